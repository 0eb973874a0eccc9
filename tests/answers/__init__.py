"""The answers: questions, the rules that combine them, parsing, pins."""
