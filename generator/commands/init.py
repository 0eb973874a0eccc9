"""``slsguard init``: adopt an existing Serverless Framework service (the audit bridge, a baseline, the rails on request)."""

from __future__ import annotations

import argparse

from ..errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Adopt the Serverless Framework service in PROJECT_DIR: copy the audit bridge to .slsguard/plugin.js, list it "
        "in serverless.yml's plugins (comments and layout kept) and, when .serverless/ exists, record today's findings in "
        ".slsguard/baseline.json, so `package` fails only on new ones."
    )
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR", help="the service's folder (default: .)")
    parser.add_argument("--force", action="store_true", help="adopt again: refresh the plugin in an adopted project (keeps its baseline)")
    parser.add_argument(
        "--rails",
        action="store_true",
        help="also give the service the rails plugin (alarms, a role per function, failure queues): shows the changes, writes on confirmation",
    )
    parser.add_argument("--yes", action="store_true", help="with --rails: write the changes it shows without asking")


def run(args: argparse.Namespace) -> int:
    from ..init import BASELINE_FILE, adopt, plan

    if args.yes and not args.rails:
        raise UserError("--yes is only for --rails (init alone writes at once).", "Fix: slsguard init --rails --yes")
    if args.rails:
        from ..init import preview

        planned = plan(args.project_dir, force=args.force, rails=True)
        if not preview.run(planned, args.yes):
            return 0
        done = planned.outcome
    else:
        done = adopt(args.project_dir, force=args.force)
    if done.generated:
        print(f"Refreshed .slsguard/plugin.js of {done.project}, a generated project (`slsguard upgrade` refreshes everything).")
        return 0
    if done.bridge:
        print(f"Adopted {done.project}: .slsguard/plugin.js" + (f" listed in {done.config.name}'s plugins" if done.plugin_listed else ""))
        if done.baseline is not None:
            print(f"Recorded {done.baseline} findings of the last package in {BASELINE_FILE}: `package` now fails only on new ones.")
        elif done.kept_baseline:
            print(f"Kept {BASELINE_FILE}; refresh it with `slsguard audit .serverless --write-baseline {BASELINE_FILE}`.")
        else:
            print(
                f"No package in .serverless/ yet, so no baseline: run `npx osls package` (it reports, without failing, until a baseline "
                f"exists), then `slsguard audit .serverless --write-baseline {BASELINE_FILE}`."
            )
    if done.rails is None:
        print(
            "The rails plugin (alarms, a role and a failure queue for every function, also those added later) is not added: "
            "`slsguard init --rails` shows what it would change."
        )
        return 0
    topic = f"; custom.rails.alarmTopic: {done.rails.topic}" if done.rails.topic else ""
    print(f"Gave {done.project} the rails: .serverless_plugins/rails/ listed in {done.config.name}'s plugins{topic}.")
    print(
        f"Next: npx osls package. What the rails fix drops out of the report; "
        f"`slsguard audit .serverless --write-baseline {BASELINE_FILE}` then records what is left."
    )
    return 0
