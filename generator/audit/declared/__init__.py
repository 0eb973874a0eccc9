"""Rule declarations kept apart from their checks: one module per family whose checks live in ``generator/audit/<family>.py``.

Families that declare their rules beside their checks (``api``, ``quotas``, ``waf``) do not appear here.
"""
