"""slsguard new: flags, answers files, the wizard."""
