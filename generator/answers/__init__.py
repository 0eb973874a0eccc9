"""The answers: questions, the rules that combine them, parsing, pins. Standard library only (the cookiecutter hooks import them)."""
