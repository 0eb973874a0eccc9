"""slsguard new: render a project from its answers, the wizard that asks them, and what it prints after."""
