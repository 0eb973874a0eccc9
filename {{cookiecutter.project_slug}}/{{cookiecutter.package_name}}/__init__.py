"""{{ cookiecutter.project_name | replace("\\", "\\\\") | replace('"', '\\"') }}: Lambda handlers (api.handler, worker.handler) and their runtime guard.

Kept empty on purpose: Lambda imports this package on every cold start.
"""
