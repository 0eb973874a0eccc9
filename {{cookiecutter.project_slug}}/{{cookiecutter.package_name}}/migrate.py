"""Schema migrations: apply ``migrations/<DB_ENGINE>/NNNN_<what>.sql`` in order, each exactly once.

    python -m {{ cookiecutter.package_name }}.migrate [--dir migrations] [--status] [--hash]
    npm run migrate                       # the same, with DB_* from .env (scripts/local_env.py reads it)

Built on the db module (query/execute/transaction), so one runner works through a direct connection,
RDS Proxy and the RDS Data API. Each applied file is a row in ``schema_migrations`` (name, checksum,
applied_at); a file whose checksum changed after it was applied stops the run before anything runs.

One file at a time, whoever runs it: every file is applied inside its own transaction that first takes a
lock, then re-reads whether the file is still pending. The lock lives only as long as that transaction,
because the transaction is the one thing that keeps a session on every access path:
  PostgreSQL  pg_try_advisory_xact_lock, polled: released by COMMIT/ROLLBACK. The Data API has a session only
              inside BeginTransaction..Commit, and RDS Proxy multiplexes sessions between transactions, so a
              session-level pg_advisory_lock would be lost (or leak onto a pooled connection) there.
  MySQL       GET_LOCK (named locks are session-level; MySQL has no transaction-scoped one), taken first and
              released last inside the file's transaction; the next holder re-reads the record with SELECT ...
              FOR UPDATE, which waits for this COMMIT. The transaction holds the session: the db module
              never re-opens a connection inside one, and a Data API transaction stays on one connection. DDL
              commits implicitly, so before recording a file the runner checks that its session still holds
              the lock (IS_USED_LOCK = CONNECTION_ID()). On RDS Proxy GET_LOCK pins the session; the migrate
              function closes its connection at the end, which ends the pinning.
PostgreSQL runs a whole file in one transaction: a failing statement undoes the file. MySQL commits every
DDL statement on its own, so a failed file can leave its earlier DDL statements applied (see README).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from . import db
from .db._config import Settings
from .sqlsplit import split

TABLE = "schema_migrations"
FILE_NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")
LOCK_KEY = 0x736C7367  # PostgreSQL advisory lock key ("slsg"); advisory locks are per database already
LOCK_PREFIX = "slsguard_migrations."  # MySQL: GET_LOCK names are server-wide, so the database name follows
LOCK_POLL_S = 0.2  # PostgreSQL: pause between try-lock attempts; MySQL's GET_LOCK waits 1 s on the server
DEFAULT_TIMEOUT_S = 900.0  # locally: the whole run's budget (a Lambda run uses its remaining time instead)
# MySQL re-reads with a locking read: it waits for the previous lock holder's COMMIT and sees the latest committed
# row, where a plain read could miss a record inserted but not yet committed when GET_LOCK was released.
PENDING_CHECK = {"postgres": "", "mysql": " FOR UPDATE"}
CREATE_TABLE = {
    "postgres": f"CREATE TABLE IF NOT EXISTS {TABLE} (name varchar(255) PRIMARY KEY, checksum char(64) NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())",
    "mysql": f"CREATE TABLE IF NOT EXISTS {TABLE} (name varchar(255) PRIMARY KEY, checksum char(64) NOT NULL,"
    " applied_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE = InnoDB",
}


class MigrationError(Exception):
    """A migration that cannot run or failed; the message names the file and what to do."""


class FolderError(MigrationError):
    """The migrations folder itself is wrong (missing, a badly named or duplicate-numbered file)."""


@dataclass(frozen=True)
class Migration:
    """One SQL file: its name is its identity, its checksum proves it has not changed since it was applied."""

    name: str
    path: Path
    checksum: str

    @classmethod
    def read(cls, path: Path) -> Migration:
        return cls(path.name, path, hashlib.sha256(path.read_bytes()).hexdigest())


@dataclass
class Result:
    """What one run did: files it applied, files already applied, applied files this folder does not have."""

    applied: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.applied)} applied ({', '.join(self.applied) or 'none'}), {len(self.already)} already applied"
        if self.unknown:  # e.g. a rollback to older code: the database is ahead of this folder, which is fine
            text += f"; applied before but not in this folder: {', '.join(self.unknown)}"
        return text


def folder(base: Path | str | None = None, engine: str | None = None) -> Path:
    """migrations/<engine>: next to the package (the project root locally, /var/task on Lambda) unless given."""
    engine = engine or os.environ.get("DB_ENGINE") or "{{ cookiecutter.database if cookiecutter.database != 'none' else 'postgres' }}"
    root = Path(base or os.environ.get("MIGRATIONS_DIR") or Path(__file__).resolve().parent.parent / "migrations")
    return root / engine if (root / engine).is_dir() else root


def load(path: Path) -> list[Migration]:
    """The folder's migrations in order; a wrongly named .sql file is an error, not silently skipped."""
    if not path.is_dir():
        raise FolderError(f"no migrations folder at {path}: create it, or pass --dir / set MIGRATIONS_DIR")
    files = sorted(p for p in path.iterdir() if p.suffix == ".sql")
    wrong = [p.name for p in files if not FILE_NAME.match(p.name)]
    if wrong:
        raise FolderError(f"{', '.join(wrong)} in {path}: name migrations NNNN_what.sql (4 digits, lower case, underscores)")
    numbers = [p.name[:4] for p in files]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise FolderError(f"two migrations share the number {', '.join(twice)} in {path}: renumber one after the last file")
    return [Migration.read(p) for p in files]


def folder_hash(path: Path) -> str:
    """sha256 over the sorted file names and contents: changes whenever a migration is added or edited."""
    digest = hashlib.sha256()
    for migration in load(path):
        digest.update(f"{migration.name}\0{migration.checksum}\n".encode())
    return digest.hexdigest()


@contextmanager
def _locked(engine: str, wait_s: float) -> Iterator[None]:
    """A transaction holding the migration lock: only one runner, anywhere, is inside this block at a time."""
    with db.transaction():
        started = time.monotonic()
        while True:
            if engine == "postgres":
                got = db.query(f"SELECT pg_try_advisory_xact_lock({LOCK_KEY}) AS got")[0]["got"]
            else:
                got = db.query("SELECT GET_LOCK(CONCAT(%s, DATABASE()), 1) AS got", [LOCK_PREFIX])[0]["got"]
            if got in (True, 1):
                break
            waited = time.monotonic() - started
            if waited >= wait_s:
                raise MigrationError(f"another migration run held the lock for {waited:.0f} s: wait for it to finish, then run again")
            if engine == "postgres":
                time.sleep(LOCK_POLL_S)
        if engine == "postgres":
            yield  # COMMIT or ROLLBACK releases the lock, atomically with what the file did
            return
        try:
            yield
        finally:  # the last statement of the transaction: the next holder's locking read waits for our COMMIT
            with suppress(db.DatabaseError):  # a lost session has released it already
                db.query("SELECT RELEASE_LOCK(CONCAT(%s, DATABASE())) AS released", [LOCK_PREFIX])


def _still_locked(engine: str, migration: Migration) -> None:
    """MySQL: DDL committed implicitly; prove this session still holds the lock before recording the file."""
    if engine != "mysql":
        return  # PostgreSQL: the file and the lock share one transaction that nothing ended early
    sql = "SELECT IS_USED_LOCK(CONCAT(%s, DATABASE())) = CONNECTION_ID() AS mine"
    if db.query(sql, [LOCK_PREFIX])[0]["mine"] not in (True, 1):
        raise MigrationError(f"{migration.name}: the session lost the migration lock while applying it: check the schema, then run again")


def _recorded() -> dict[str, str]:
    return {row["name"]: row["checksum"] for row in db.query(f"SELECT name, checksum FROM {TABLE} ORDER BY name")}


def _check(migrations: list[Migration], recorded: dict[str, str]) -> None:
    changed = [m.name for m in migrations if m.name in recorded and recorded[m.name] != m.checksum]
    if changed:
        raise MigrationError(
            f"{', '.join(changed)} changed after it was applied (checksum differs from {TABLE}): "
            "restore the applied version and put the change in a new file"
        )
    last = max((name for name in recorded if name in {m.name for m in migrations}), default="")
    late = [m.name for m in migrations if m.name not in recorded and m.name < last]
    if late:
        raise MigrationError(f"{', '.join(late)} is pending but numbered before {last}, which is applied: renumber it after the last file")


def _apply(engine: str, migration: Migration, wait_s: float) -> bool:
    """Apply one file under the lock unless another run applied it meanwhile; True when this run applied it."""
    with _locked(engine, wait_s):
        done = db.query(f"SELECT checksum FROM {TABLE} WHERE name = %s{PENDING_CHECK[engine]}", [migration.name])
        if done:
            _check([migration], {migration.name: done[0]["checksum"]})
            return False
        for number, (line, statement) in enumerate(split(migration.path.read_text(encoding="utf-8"), engine), 1):
            try:
                db.execute(statement)
            except db.DatabaseError as err:
                raise MigrationError(f"{migration.name}: statement {number} (line {line}) failed: {err}") from err
        _still_locked(engine, migration)
        db.execute(f"INSERT INTO {TABLE} (name, checksum) VALUES (%s, %s)", [migration.name, migration.checksum])
    return True


def run(path: Path | str | None = None, timeout_s: float | None = None, log: Callable[[str], None] | None = None) -> Result:
    """Apply every pending migration in order and stop at the first failure; raises MigrationError."""
    engine = Settings.from_env().engine
    migrations = load(folder(path, engine))
    budget = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    db.set_deadline(budget)
    started = time.monotonic()
    with _locked(engine, budget):  # PostgreSQL: concurrent CREATE TABLE IF NOT EXISTS can collide
        db.execute(CREATE_TABLE[engine])
    recorded = _recorded()
    _check(migrations, recorded)
    names = {m.name for m in migrations}
    result = Result(unknown=[name for name in recorded if name not in names])
    for migration in migrations:
        if migration.name in recorded:
            result.already.append(migration.name)
            continue
        took = time.monotonic()
        remaining = budget - (time.monotonic() - started)
        if _apply(engine, migration, max(0.0, remaining)):
            result.applied.append(migration.name)
            if log:
                log(f"applied {migration.name} ({(time.monotonic() - took) * 1000:.0f} ms)")
        else:
            result.already.append(migration.name)
    return result


def status(path: Path | str | None = None) -> list[tuple[str, str]]:
    """Each file of the folder and when it was applied ("pending" when not yet), for --status."""
    migrations = load(folder(path, Settings.from_env().engine))
    db.set_deadline(DEFAULT_TIMEOUT_S)
    try:
        rows = db.query(f"SELECT name, applied_at FROM {TABLE}")
    except db.QueryError:  # no table yet: nothing applied
        rows = []
    applied = {row["name"]: str(row["applied_at"]) for row in rows}
    return [(m.name, applied.get(m.name, "pending")) for m in migrations]


def main(argv: list[str] | None = None) -> int:
    """CLI: 0 when every migration is applied, 1 when one failed, 2 when the setup is wrong."""
    parser = argparse.ArgumentParser(prog="python -m {{ cookiecutter.package_name }}.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="migrations folder (default: migrations/<DB_ENGINE> next to the package, or MIGRATIONS_DIR)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds for the whole run (default %(default)s)")
    parser.add_argument("--status", action="store_true", help="list each file and when it was applied; change nothing")
    parser.add_argument("--hash", action="store_true", help="print the folder's hash (the deploy-time resource property)")
    args = parser.parse_args(argv)
    try:
        if args.hash:
            print(folder_hash(folder(args.dir)))
        elif args.status:
            for name, applied in status(args.dir):
                print(f"{name}  {applied}")
        else:
            print(f"migrate: {run(args.dir, args.timeout, log=lambda line: print(f'migrate: {line}', flush=True)).summary()}")
        return 0
    except (db.ConfigurationError, FolderError) as err:
        print(f"migrate: {err}", file=sys.stderr)
        return 2
    except (MigrationError, db.DatabaseError) as err:
        print(f"migrate: {err}", file=sys.stderr)
        return 1
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
