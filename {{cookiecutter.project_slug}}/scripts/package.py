"""`npm run package`: package the service with or without AWS credentials, and say which.

serverless-plugin-split-stacks asks CloudFormation which resources the deployed stack already has
(ListStackResources) so it never moves one between stacks. With AWS credentials (or a CloudFormation endpoint
you set) the command runs as it is and that answer comes from your account. With none, it would die with a
credentials error: this script then starts a local CloudFormation (moto, from requirements-dev.txt) on a free
127.0.0.1 port for this one command, where no stack exists, so split-stacks packages as for a first deploy,
and stops it afterwards. The endpoint and the placeholder keys are set for the child command only: nothing is
left in your shell for a later deploy. A credentials setup that fails (a profile that does not exist, an expired
login) is reported, never bypassed.

    python3 scripts/package.py osls package --stage dev
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

OVERRIDES = ("AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL")
PLACEHOLDER_KEYS = {"AWS_ACCESS_KEY_ID": "local-package", "AWS_SECRET_ACCESS_KEY": "local-package"}


class SetupError(Exception):
    """The machine cannot package this way; the message says how to fix it."""


def credential_source() -> str | None:
    """Where the AWS SDK finds credentials (env, shared-credentials-file, sso, iam-role, ...), or None."""
    try:
        import botocore.exceptions
        import botocore.session
    except ImportError as err:
        raise SetupError("botocore is not installed: run `pip install -r requirements-dev.txt` first") from err
    try:
        credentials = botocore.session.Session().get_credentials()
    except botocore.exceptions.BotoCoreError as err:
        raise SetupError(f"your AWS credentials setup fails ({err}); fix it, or unset AWS_PROFILE to package without AWS") from err
    return getattr(credentials, "method", "unknown") if credentials is not None else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def local_cloudformation() -> Iterator[str]:
    """moto in this process on the loopback interface, for the duration of the block."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as err:
        raise SetupError("no AWS credentials and moto is not installed: run `pip install -r requirements-dev.txt` first") from err
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python3 scripts/package.py <cli> package [options]", file=sys.stderr)
        return 2
    try:
        overridden = next((name for name in OVERRIDES if os.environ.get(name)), None)
        if overridden:
            endpoint = os.environ[overridden]
            print(f"package: CloudFormation endpoint from {overridden}={endpoint} (set by you): split-stacks asks it", flush=True)
            return subprocess.call(argv)
        source = credential_source()
        if source is not None:
            print(
                f"package: AWS credentials found ({source}): split-stacks reads the deployed stack, if any, from your account", flush=True
            )
            return subprocess.call(argv)
        with local_cloudformation() as endpoint:
            print(
                f"package: no AWS credentials: split-stacks asks a local CloudFormation ({endpoint}, stopped afterwards) "
                "where nothing is deployed yet, as for a first deploy; package with credentials to keep a deployed stack's layout",
                flush=True,
            )
            env = {**os.environ, "AWS_ENDPOINT_URL_CLOUDFORMATION": endpoint, **PLACEHOLDER_KEYS}
            env.pop("AWS_PROFILE", None)
            return subprocess.call(argv, env=env)
    except SetupError as err:
        print(f"package: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"package: {argv[0]} not found ({err.strerror}): run `npm ci` first", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
