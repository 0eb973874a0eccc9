"""Secrets in plain sight: function environment variables that hold one (seed challenge 3).

``env_values`` (every value a deploy can give each variable) is read by database.py too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..cfn.values import ABSENT, Possible, Unknown, deployed, merge, possible, shallow, why
from .exposure import SECRET_REASON, looks_generated
from .model import ERROR, FUNCTION, SERVERLESS, Context, Finding, Template, fn_label, props
from .rule import Fix, Rule

SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|SIGNING_?KEY|AUTH_?KEY|"
    r"AUTH_?HEADER|CLIENT_?KEY|MASTER_?KEY|ENCRYPTION_?KEY|LICEN[CS]E_?KEY|WEBHOOK_?KEY|APP_?KEY|"
    r"[A-Z0-9]_PWD$|(?:^|_)PASS(?:$|_)|(?:^|_)PW$",
    re.I,
)
# Names that point at a secret or a service rather than hold a secret (``OIDC_OP_TOKEN_ENDPOINT``, ``DB_SECRET_ARN``).
REFERENCE_NAME = re.compile(
    r"_(ARN|NAME|ID|PATH|PARAM|PARAMETER|URL|URI|ENDPOINT|HOST|DOMAIN|REGION|TYPE|TTL|EXPIRY|EXPIRES|LENGTH)S?$", re.I
)
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@", re.I)  # scheme://user:password@host
SECRET_VALUE = re.compile(
    r"(?:A3T|AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key id
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,}"
    r"|xox[abpr]-[A-Za-z0-9-]{10,}"
    r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{16,}"  # payment-provider secret, restricted and webhook keys
    r"|^(?:Basic|Bearer) [A-Za-z0-9+/=._~-]{8,}$"  # a whole HTTP Authorization header
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."  # a JSON web token
)
SWITCHES = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null"})
RESOLVE_SECRET = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")


def env_values(tpl: Template, fn: dict[str, Any]) -> Iterator[tuple[str, Any, Possible]]:
    """Each environment variable a deploy can set, with its raw value and each value it can take (and why)."""
    exists = deployed(tpl, fn)
    for env in shallow(props(fn).get("Environment"), tpl) if exists is not None else []:
        if not isinstance(env.value, dict):
            continue
        for variables in shallow(env.value.get("Variables"), tpl):
            reasons = merge(exists or (), env.because, variables.because)
            if reasons is None or not isinstance(variables.value, dict):
                continue
            for name, raw in variables.value.items():
                for p in possible(raw, tpl):
                    because = merge(reasons, p.because)
                    if because is not None and p.value is not ABSENT:
                        yield str(name), raw, Possible(p.value, because)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _setting(value: str) -> bool:
    """Values that configure rather than authenticate: empty, numbers, switches, ARNs and parameter paths.

    A URL is not one of them: under a secret-looking name (SLACK_WEBHOOK_SECRET) the URL is the credential;
    endpoints under reference names (OIDC_OP_TOKEN_ENDPOINT, *_URL) are left alone by REFERENCE_NAME instead."""
    text = value.strip()
    return not text or text.replace(".", "", 1).isdigit() or text.lower() in SWITCHES or text.startswith(("arn:", "/", "${"))


def _imported(value: Any) -> bool:
    return isinstance(value, dict) and "Fn::ImportValue" in value


def _secret_reason(name: str, raw: Any, value: Any, tpl: Template) -> str | None:
    texts = [value.detail] if isinstance(value, Unknown) else list(_strings(value))  # an Unknown spells its known parts
    for text in texts:
        if RESOLVE_SECRET.search(text):
            return "resolves a secret into plain text at deploy time"
        if SECRET_VALUE.search(text):
            return "holds a value shaped like a credential"
        if URL_PASSWORD.match(text):
            return "holds a URL with a password in it"
    named = SECRET_NAME.search(name) and not REFERENCE_NAME.search(name)
    if not named:
        return None
    if _imported(raw):
        return "is imported from another stack's output (Fn::ImportValue): exports are plain text to anyone who can list them"
    if isinstance(value, Unknown) and value.kind == "parameter":
        return f"comes from {value.detail.split(' (')[0]}, copied into the function's configuration in plain text"
    if isinstance(value, str) and not _setting(value):
        if looks_generated(value):
            where = " (typed into serverless.yml, or resolved there at package time from `${ssm:...}`)" if tpl.source == SERVERLESS else ""
            return f"holds a literal value shaped like a generated key or password{where}, in plain text in the template"
        return "holds a literal value that looks like a secret, in plain text in the template"
    return None


def plain_secret(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: database credentials and API keys belong in Secrets Manager, not in readable environment variables."""
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        reported: set[str] = set()
        for name, raw, p in env_values(tpl, fn):
            reason = None if name in reported else _secret_reason(name, raw, p.value, tpl)
            if reason:
                reported.add(name)
                yield PLAIN_SECRET.finding(
                    ERROR,
                    tpl,
                    lid,
                    f"Properties.Environment.Variables.{name}",
                    f"Function {fn_label(fn, lid)}: environment variable {name} {reason}{why(_redacted(p.because))}; anyone who "
                    "can read the function's configuration can read it.",
                    group=f"env:{name}={json.dumps(raw, sort_keys=True)}",
                    subject=f"Function {fn_label(fn, lid)}",
                )


def _redacted(because: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(SECRET_REASON.sub(r"\1", b) for b in because)


PLAIN_SECRET = Rule(
    id="plain-secret",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no secret-looking values in plain environment variables (error)",
    help="Environment variables are plain text to anyone who can read the function's configuration: pass a Secrets Manager ARN and read the secret at run time. Values resolved at package time (e.g. ${ssm:...}) land in the template in plain text.",
    checks="no secret-looking environment variable: a secret-like name (`PASSWORD`, `TOKEN`, `API_KEY`, `AUTH_KEY`, ...; not `_ARN`/`_URL`/`_ENDPOINT`/`_HOST`-style names, which point at things) (also `MYSQL_PWD`, `DB_PASS`) with a literal value (URLs and ARNs are settings, unless the URL holds a password), a value passed through `Fn::ImportValue` or taken from a parameter; in every `Fn::If` branch and through `Fn::Sub`/`Fn::Join`; a credential-shaped value (AWS keys, private keys, tokens, `sk_test_`/`sk_live_` keys, a whole `Basic`/`Bearer` header); or a `{{resolve:secretsmanager:...}}`. A long random-looking literal is said to be one; in a serverless.yml build the message adds that it may have been typed or resolved at package time (`${ssm:...}` copies the value itself into the template)",
    levels="error",
    fixes={
        "": Fix(
            "Store it in Secrets Manager, pass its ARN in `environment:` (e.g. DB_SECRET_ARN) and read it at run time; `${{ssm:...}}` in serverless.yml copies the value itself into the template.",
            "Store it in Secrets Manager, pass its ARN in `Environment: Variables:` (e.g. DB_SECRET_ARN) and read it at run time.",
            "Store it in Secrets Manager, pass its ARN (e.g. DB_SECRET_ARN) and read it at run time.",
        )
    },
    check=plain_secret,
)

RULES = (PLAIN_SECRET,)
