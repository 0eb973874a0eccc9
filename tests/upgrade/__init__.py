"""slsguard upgrade: the three-way merge, its reports, its safety on disk."""
