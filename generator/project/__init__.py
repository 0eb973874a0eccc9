"""The project on disk: its files, recorded answers, and safe writes."""
