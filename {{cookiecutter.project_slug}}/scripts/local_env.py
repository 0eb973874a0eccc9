"""Run one local command (`npm run offline`) with `.env` read into its environment only.

`.env` holds local settings (a local database, a local Data API endpoint and placeholder keys). Loading it into
the shell (`set -a && . ./.env`) would leave AWS_ENDPOINT_URL_* and the placeholder keys set for every later
command, a deploy included (osls 4 sends every AWS call through AWS_ENDPOINT_URL*). This gives them to the one
child command instead; variables already set in the shell win, as for `npm run migrate`.

    python3 scripts/local_env.py .env -- osls offline --stage dev
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments, blank lines and `export ` prefixes allowed); quotes around a value removed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python3 scripts/local_env.py ENV_FILE -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    env = {**read_env_file(Path(argv[0])), **os.environ}
    try:
        os.execvpe(argv[2], argv[2:], env)  # the command takes this process's place: its signals, its exit status
    except OSError as err:
        print(f"{argv[2]} could not start ({err.strerror}): run `npm ci` first", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
