"""The project on disk: bounded reads, hostile files, safe writes."""
