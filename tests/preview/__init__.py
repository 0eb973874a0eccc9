"""slsguard preview: what a deploy would replace."""
