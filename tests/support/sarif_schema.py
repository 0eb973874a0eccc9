"""Validate a SARIF log against the official OASIS 2.1.0 schema, vendored unchanged in
``tests/fixtures/sarif-schema-2.1.0.json`` (its source and licence: ``sarif-schema-2.1.0.md`` beside it)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from .paths import FIXTURES

SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"


def validate(doc: dict[str, Any]) -> None:
    """Fail with the first schema errors, or when the schema itself is missing (never a silent pass)."""
    assert SCHEMA.is_file(), f"{SCHEMA} is missing: it is part of the repository (tests/fixtures/)"
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    errors = sorted(validator(schema).iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
