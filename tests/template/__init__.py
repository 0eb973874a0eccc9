"""The generated project: rails, handlers, db, packaging, offline, rehearse, migrations."""
