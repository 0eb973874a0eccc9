"""The wheel, a new user's first hour, the release path."""
