"""slsguard add: triggers written into a project."""
