"""What the project behind a compiled template has, so that a fix names only what is there.

A generated project (and a service given the rails with ``slsguard init --rails``) has the rails plugin in
``.serverless_plugins/rails/``: its fixes may say "keep the rails plugin" or "set ``custom.rails.waf``". A
service slsguard did not generate, or adopted without the rails, has no such plugin, no ``custom.rails`` and
no requirements-dev.txt of slsguard's: its fixes say what to write in its own serverless.yml.

The project is the folder of the ``.serverless/`` build the root template was read from (or the folder of a
template file given directly), as the loader finds the recorded answers. Checked on every call, never cached:
``init --rails`` may add the plugin between two audits of one process.
"""

from __future__ import annotations

import weakref
from pathlib import Path

from .model import Template

_SEEN: weakref.WeakKeyDictionary[Template, bool] = weakref.WeakKeyDictionary()  # root template -> has the rails

BUILD_DIR = ".serverless"  # the framework's build folder (the loader's BUILD_DIR)
RAILS_PLUGIN = Path(".serverless_plugins") / "rails" / "index.js"


def project_of(tpl: Template) -> Path:
    """The service folder of a template's root: the parent of its ``.serverless/`` build, else the file's folder."""
    folder = Path(tpl.root.path).parent
    return folder.parent if folder.name == BUILD_DIR else folder


def has_rails(tpl: Template) -> bool:
    """Whether the service behind ``tpl`` runs the rails plugin (a generated project, or adopted with --rails)."""
    root = tpl.root
    if root not in _SEEN:
        _SEEN[root] = (project_of(root) / RAILS_PLUGIN).is_file()
    return _SEEN[root]
