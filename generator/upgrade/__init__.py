"""slsguard upgrade: re-render a project with this slsguard and merge three ways, file by file."""
