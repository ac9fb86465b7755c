"""A real PostgreSQL server for the record's tests (Debian's ``postgresql``): ``initdb`` and ``pg_ctl`` in a
temporary folder, on a free 127.0.0.1 port, password login (scram) for every role over TCP with the
passwords in a private PGPASSFILE, stopped at the end. Started once per session (``pg_server``), so the
suite's process guard (conftest ``_no_process_left``) knows it; a test that restarts or stops a server
starts its own (``PgServer.start``) and stops it before it ends.

As root (initdb refuses root) the server runs as the ``postgres`` user, in a folder that user owns."""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .needs import need_postgres

SUPERUSER = "ivig_super"
TRIES = 3  # a port picked free can be taken by another session before the server binds it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One server: its folder, port, the superuser's password (in ``passfile``), and what a test needs:
    URLs (never with the password), databases, roles, restart and stop."""

    def __init__(self, folder: Path, binaries: Path, fsync: bool = False) -> None:
        self.folder, self.bin, self.fsync = folder, binaries, fsync
        self.data = folder / "data"
        self.passfile = folder / "pgpass"
        self.port = 0
        self.password = secrets.token_hex(12)
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    @classmethod
    def start(cls, root: Path | None = None, fsync: bool = False) -> PgServer:
        """A new server in a new temporary folder (0755, so the ``postgres`` user can reach it); ``fsync``
        off (tests: nothing must survive a power cut) unless asked for (the benchmark: as a clinic runs it)."""
        binaries = need_postgres()
        folder = Path(tempfile.mkdtemp(prefix="ivig-pg-", dir=root))
        folder.chmod(0o755)
        server = cls(folder, binaries, fsync)
        server._initdb()
        server._run_first()
        return server

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as, str(self.bin / tool), *args], capture_output=True, text=True,
                              check=check, cwd=self.folder, timeout=120)

    def _initdb(self) -> None:
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as:
            shutil.chown(pwfile, "postgres")
        pwfile.chmod(0o600)
        self._pg("initdb", "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(pwfile), "--auth-host=scram-sha-256",
                 "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # (the folder's files)
        pwfile.unlink()

    def _run_first(self) -> None:
        for attempt in range(TRIES):
            self.port = _free_port()
            options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=60 "
                       f"-c fsync={'on' if self.fsync else 'off'}")
            done = self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", "60", "-o",
                            options, "start", check=False)
            if done.returncode == 0:
                break
            if attempt == TRIES - 1:
                raise RuntimeError(f"PostgreSQL did not start: {done.stderr}{self.log()}")
        self.passfile.write_text(f"127.0.0.1:{self.port}:*:*:{self.password}\n")
        self.passfile.chmod(0o600)

    def start_again(self) -> None:
        """Start a stopped server again (on a new free port)."""
        self._run_first()

    def pid(self) -> int:
        """The postmaster's process id (the first line of postmaster.pid)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.folder / "log").read_text()[-2000:]
        return ""

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """A URL without password (libpq finds it in PGPASSFILE, which the tests set to ``passfile``)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres", user: str = SUPERUSER) -> list[tuple[Any, ...]]:
        """Run one statement (autocommit) as ``user``; its rows (none for a command)."""
        import psycopg

        with psycopg.connect(self.url(database, user), autocommit=True, passfile=str(self.passfile)) as conn:
            cursor = conn.execute(statement.encode())
            return list(cursor.fetchall()) if cursor.description else []

    def database(self, owner: str = SUPERUSER) -> str:
        """A new, empty database (owned by ``owner``); its name."""
        name = f"rec_{secrets.token_hex(6)}"
        self.sql(f'CREATE DATABASE {name} OWNER "{owner}"')
        return name

    def role(self, name: str) -> str:
        """A login role with the server's password (so PGPASSFILE serves it too)."""
        self.sql(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{self.password}'")
        return name

    def restart(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", "60", "-m", "fast",
                 "restart")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop", check=False)

    def remove(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def postgres_user_exists() -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server, and PGPASSFILE pointing at its password file. Its postmaster is
    known to the suite's process guard (conftest SESSION_PROCESSES) even when a test's fixture starts it."""
    from .conftest import SESSION_PROCESSES

    server = PgServer.start()
    SESSION_PROCESSES.add(server.pid())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PGPASSFILE", str(server.passfile))
        patch.delenv("PGPASSWORD", raising=False)
        patch.delenv("PGSERVICE", raising=False)
        try:
            yield server
        finally:
            server.remove()


@pytest.fixture()
def pg_url(pg_server: PgServer) -> str:
    """A new, empty database of the session's server, as a record's URL (as its owner)."""
    return pg_server.url(pg_server.database())
