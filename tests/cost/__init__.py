"""slsguard cost: the ceiling and the typical cost."""
