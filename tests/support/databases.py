"""Real MariaDB and PostgreSQL servers for the tests, started from the Debian binaries on private ports.

Each server listens on 127.0.0.1 only, keeps its data in its own temporary folder and allows few
connections (``max_connections`` = 20), so that connection exhaustion is cheap to reproduce.
The same functions start the servers for ``benchmarks/db_burst.py``.

TLS: the session servers run without it, and ``Server.env()`` says so with ``DB_TLS=disable`` (the db module
verifies TLS by default): the connection-management tests stay about connections, timed as in 0.1.0.
Started with ``tls=`` (a certificate from support.tls's test CA), a server speaks TLS and ``env()`` gives
``DB_CA_BUNDLE`` pointing at that CA instead; such servers still accept plain logins (the admin connections).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .tls import ServerTls

MAX_CONNECTIONS = 20
APP_USER = "app"
APP_PASSWORD = "app-secret"
APP_DATABASE = "app"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-secret"
START_TIMEOUT_S = 60


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running database server and the credentials of its application user."""

    engine: str  # "mysql" | "postgres"
    host: str
    port: int
    database: str
    user: str
    password: str
    max_connections: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    workdir: Path | None = field(default=None, repr=False)
    log: Path | None = field(default=None, repr=False)
    tls: ServerTls | None = None

    def env(self, access: str = "direct") -> dict[str, str]:
        """The generated db module's environment for this server (local credentials, no secret)."""
        verify = {"DB_TLS": "verify-full", "DB_CA_BUNDLE": str(self.tls.ca)} if self.tls else {"DB_TLS": "disable"}
        return {
            **verify,
            "DB_ENGINE": self.engine,
            "DB_ACCESS": access,
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_NAME": self.database,
            "DB_USER": self.user,
            "DB_PASSWORD": self.password,
        }

    def admin(self) -> Any:
        """An autocommit connection as the administrator (not counted against the app user)."""
        if self.engine == "mysql":
            import pymysql

            return pymysql.connect(
                host=self.host, port=self.port, user=ADMIN_USER, password=ADMIN_PASSWORD, database=self.database, autocommit=True
            )
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, user=ADMIN_USER, password=ADMIN_PASSWORD, dbname=self.database, autocommit=True
        )

    def admin_query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement as the administrator and return its rows."""
        conn = self.admin()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def connections(self, user: str | None = None) -> int:
        """How many client connections ``user`` (default: the app user) holds right now."""
        if self.engine == "mysql":
            sql = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s"
        else:
            sql = "SELECT COUNT(*) FROM pg_stat_activity WHERE usename = %s AND backend_type = 'client backend'"
        return int(self.admin_query(sql, (user or self.user,))[0][0])

    def kill_connections(self, user: str | None = None) -> int:
        """Drop every connection of ``user``, as a failover or an operator would; returns how many."""
        conn = self.admin()
        try:
            cur = conn.cursor()
            if self.engine == "mysql":
                cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s", (user or self.user,))
                ids = [row[0] for row in cur.fetchall()]
                for thread in ids:
                    with contextlib.suppress(Exception):
                        cur.execute(f"KILL {int(thread)}")
                return len(ids)
            cur.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s",
                (user or self.user,),
            )
            return int(cur.fetchone()[0])
        finally:
            conn.close()

    def reset(self) -> None:
        """Between tests: no app connection left over from the previous one, and a fresh scratch table."""
        self.kill_connections()
        deadline = time.monotonic() + 10
        while self.connections() and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server and delete its data folder."""
        if self.process and self.process.poll() is None:
            if self.engine == "postgres":
                # SIGINT is PostgreSQL's "fast" shutdown (SIGTERM waits for every client to leave); send it to the
                # postmaster itself, as runuser in between does not pass SIGINT on.
                with contextlib.suppress(OSError, ValueError, IndexError):
                    os.kill(int((self.workdir / "data" / "postmaster.pid").read_text().split()[0]), signal.SIGINT)  # type: ignore[operator]
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        if server.process and server.process.poll() is not None:
            break
        try:
            server.admin().close()
            return
        except Exception as err:  # not up yet
            last = err
            time.sleep(0.1)
    tail = server.log.read_text(errors="replace")[-3000:] if server.log and server.log.exists() else ""
    server.stop()
    raise RuntimeError(f"{server.engine} server did not start on port {server.port}: {last}\n{tail}")


def _mariadb_binaries() -> tuple[str, str]:
    daemon = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    install = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"
    if not (os.path.exists(daemon) and os.path.exists(install)):
        raise RuntimeError("MariaDB is not installed: apt-get install mariadb-server mariadb-client (.ci/run does this)")
    return daemon, install


def start_mariadb(max_connections: int = MAX_CONNECTIONS, tls: ServerTls | None = None) -> Server:
    """Initialise a data folder and start ``mariadbd`` on a free port; returns once it accepts logins."""
    daemon, install = _mariadb_binaries()
    work = Path(tempfile.mkdtemp(prefix="slsguard-mariadb-"))
    data, sock, log = work / "data", work / "mysqld.sock", work / "error.log"
    subprocess.run(
        [install, "--no-defaults", f"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    # --user=root: the test machine runs as root and mariadbd refuses root unless told so.
    process = subprocess.Popen(
        [
            daemon,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={sock}",
            f"--pid-file={work / 'mysqld.pid'}",
            f"--log-error={log}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            f"--max-connections={max_connections}",
            "--max-connect-errors=1000000",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--performance-schema=OFF",
            "--innodb-buffer-pool-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
            *([f"--ssl-cert={tls.cert}", f"--ssl-key={tls.key}"] if tls else ["--skip-ssl"]),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import pymysql

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            root = pymysql.connect(unix_socket=str(sock), user="root", autocommit=True)
            break
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"mariadbd did not start: {log.read_text(errors='replace')[-3000:] if log.exists() else ''}") from None
            time.sleep(0.1)
    with root.cursor() as cur:
        cur.execute(f"CREATE DATABASE {APP_DATABASE}")
        cur.execute(f"CREATE USER '{ADMIN_USER}'@'%' IDENTIFIED BY '{ADMIN_PASSWORD}'")
        cur.execute(f"GRANT ALL ON *.* TO '{ADMIN_USER}'@'%' WITH GRANT OPTION")
        # The app user is what a Lambda function logs in as: no PROCESS or SUPER privilege,
        # so it sees (and may kill) only its own connections.
        cur.execute(f"CREATE USER '{APP_USER}'@'%' IDENTIFIED BY '{APP_PASSWORD}'")
        cur.execute(f"GRANT ALL ON {APP_DATABASE}.* TO '{APP_USER}'@'%'")
    root.close()
    server = Server("mysql", "127.0.0.1", port, APP_DATABASE, APP_USER, APP_PASSWORD, max_connections, process, work, log, tls)
    _wait_ready(server)
    return server


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (.ci/run does this)")
    return Path(found[-1]).parent


def _service_user() -> str:
    """PostgreSQL refuses to run as root: run it as the Debian package's user, or as nobody."""
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("no unprivileged user to run PostgreSQL as")


def start_postgres(max_connections: int = MAX_CONNECTIONS, tls: ServerTls | None = None) -> Server:
    """Initialise a cluster and start ``postgres`` on a free port; returns once it accepts logins."""
    bindir = _postgres_bin()
    work = Path(tempfile.mkdtemp(prefix="slsguard-postgres-"))
    os.chmod(work, 0o755)
    data, log, pwfile = work / "data", work / "postgres.log", work / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    owner = _service_user()
    entry = pwd.getpwnam(owner)
    os.chown(work, entry.pw_uid, entry.pw_gid)
    os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    as_owner = ["runuser", "-u", owner, "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            *as_owner,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            ADMIN_USER,
            f"--pwfile={pwfile}",
            "--auth=md5",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    ssl_options = ["-c", "ssl=off"]
    if tls:  # PostgreSQL wants the key owned by its own user and unreadable by others
        for source, name in ((tls.cert, "server.crt"), (tls.key, "server.key")):
            shutil.copyfile(source, work / name)
            os.chown(work / name, entry.pw_uid, entry.pw_gid)
            os.chmod(work / name, 0o600)
        ssl_options = ["-c", "ssl=on", "-c", f"ssl_cert_file={work / 'server.crt'}", "-c", f"ssl_key_file={work / 'server.key'}"]
    logfile = open(log, "wb")  # noqa: SIM115 - owned by the server process for its whole life
    process = subprocess.Popen(
        [
            *as_owner,
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={work}",
            "-c",
            f"max_connections={max_connections}",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "shared_buffers=16MB",
            *ssl_options,
        ],
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )
    logfile.close()
    server = Server("postgres", "127.0.0.1", port, "postgres", ADMIN_USER, ADMIN_PASSWORD, max_connections, process, work, log, tls)
    _wait_ready(server)
    server.admin_query(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'")
    server.admin_query(f"CREATE DATABASE {APP_DATABASE} OWNER {APP_USER}")
    server.database, server.user, server.password = APP_DATABASE, APP_USER, APP_PASSWORD
    return server


@contextlib.contextmanager
def running(engine: str, max_connections: int = MAX_CONNECTIONS, tls: ServerTls | None = None) -> Iterator[Server]:
    """Start a server of ``engine`` ("mysql" or "postgres") for the duration of the block, with TLS when given."""
    server = start_mariadb(max_connections, tls) if engine == "mysql" else start_postgres(max_connections, tls)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[Server]:
    """One MariaDB for the whole test session."""
    with running("mysql") as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """One PostgreSQL for the whole test session."""
    with running("postgres") as server:
        yield server


@pytest.fixture(params=["mysql", "postgres"])
def db_server(request: pytest.FixtureRequest) -> Server:
    """Each test that takes it runs once per engine, against a server with no app connection left over."""
    server: Server = request.getfixturevalue("mariadb_server" if request.param == "mysql" else "postgres_server")
    server.reset()
    return server


def load_db(package_dir: Path, alias: str) -> Any:
    """Import a rendered ``db`` package under a private name: each alias has its own state, like a container."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(alias, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)])
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def render_db(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Render a project through slsguard's library API once per (engine, access); returns its db package folder."""
    cache: dict[tuple[str, str], Path] = {}

    def _render(engine: str, access: str = "direct") -> Path:
        if (engine, access) not in cache:
            from generator import new_project as new

            with pytest.MonkeyPatch.context() as patch:  # like the isolated_home fixture: no replay in the real HOME
                patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
                answers = {"project_name": f"db {engine} {access}", "database": engine, "database_access": access}
                project = new(answers, tmp_path_factory.mktemp("render"))
            cache[engine, access] = project
        project = cache[engine, access]
        return project / project.name.replace("-", "_") / "db"

    return _render


@pytest.fixture
def containers(render_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``make(server, access="direct", **env)``: a fresh db module (one simulated container) configured for ``server``."""
    made: list[Any] = []

    def _make(server: Server, access: str = "direct", **env: str) -> Any:
        for key, value in {**server.env(access), **env}.items():
            monkeypatch.setenv(key, str(value))
        module = load_db(render_db(server.engine, access), f"slsguard_db_{server.engine}_{len(made)}_{id(made)}")
        made.append(module)
        return module

    yield _make
    for module in made:
        with contextlib.suppress(Exception):
            module.close()
