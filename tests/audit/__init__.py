"""slsguard audit: the rules, their reports, the plugin bridge."""
