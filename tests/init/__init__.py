"""slsguard init: an existing service adopted."""
