"""Refuse impossible or unsafe answer sets before anything is written.

Runs under plain cookiecutter without slsguard installed: the rules are imported from the
template repository itself (``generator/answers/rules.py`` uses only the standard library).
"""

import json
import sys
from pathlib import Path

# The answers as one JSON document (jsonify escapes every quote and backslash, so no value can end the raw
# string); no answer is written into this file's code.
ANSWERS = json.loads(r"""{{ cookiecutter | jsonify }}""")
sys.path.insert(0, str(Path(ANSWERS["_repo_dir"]).resolve()))

from generator.answers import rules  # noqa: E402


def main() -> int:
    answers = {key: value for key, value in ANSWERS.items() if not key.startswith("_")}
    problems = rules.check(answers)
    for problem in problems:
        print(f"slsguard: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
