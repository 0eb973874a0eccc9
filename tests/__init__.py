"""slsguard's tests: one folder per concern, mirroring generator/; shared helpers in tests/support/."""
