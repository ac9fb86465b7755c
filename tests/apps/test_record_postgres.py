"""Issue 24 on the command line: the education record in a real PostgreSQL database (tests/pgserver.py).
One way to name it (--record-db or IVIG_HANDOUT_RECORD_DB; never a password on the command line or in what
is printed), the least-privilege role, ``record copy`` and ``record migrate``, and the faults: a database
that cannot be reached at start (one line, nothing printed), a server restarted or stopped in the middle
of a roster's transaction (all rows or none, and the command says which), a print that went out but could
not be recorded. Processes are paused at a named point (IVIG_HANDOUT_TEST_PAUSE) and the test acts there."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

import ivig_handout
from ivig_handout.apps.cli import main
from ivig_handout.apps.web.desk import Printed
from ivig_handout.export.sinks.record import open_record

from ..batch.processes import paused, resume
from ..pgserver import PgServer
from ..printserver import PrintServer
from .test_print_record import NAMES, NOTE, clinic, roster

ENV = {"PYTHONPATH": str(Path(ivig_handout.__file__).parents[1])}


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def start(*args: str | Path, cwd: Path, pause: str = "", extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, **ENV, **({"IVIG_HANDOUT_TEST_PAUSE": pause} if pause else {}), **(extra or {})}
    return subprocess.Popen([sys.executable, "-m", "ivig_handout", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture()
def own_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PgServer]:
    """A server of this test's own (it is restarted or stopped), stopped at the end."""
    server = PgServer.start()
    monkeypatch.setenv("PGPASSFILE", str(server.passfile))
    try:
        yield server
    finally:
        server.remove()


def rows(server: PgServer, url: str, query: str = "SELECT document, patient, staff FROM given ORDER BY id") -> list:
    return server.sql(query, url.rsplit("/", 1)[1])


def test_a_handout_for_a_named_patient_is_recorded_in_postgresql_without_the_name(pg_server: PgServer,
                                                                                  pg_url: str, tmp_path: Path) -> None:
    made = run("one-pager", "gbs", "--patient-name", NAMES[0], "--by", "AB", "-o", tmp_path / "gbs.pdf",
               "--record-db", pg_url)
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[-1] == f"recorded as handout 1 in {pg_url} {NOTE.format(first=1)}"
    assert rows(pg_server, pg_url) == [("gbs", None, "AB")]  # names stay off (no clinic says record_names)
    listed = run("record", "list", "--record-db", pg_url)
    assert listed.exit_code == 0 and listed.stdout.splitlines()[1].split()[0] == "1"
    noted = run("record", "note", "1", "--record-db", pg_url)
    assert noted.exit_code == 0 and noted.stdout.startswith('Gave the AAN handout "IVIg for Guillain-Barr')
    voided = run("record", "void", "1", "--by", "CD", "--record-db", pg_url)
    assert voided.exit_code == 0 and voided.stdout.startswith("handout 1 is void (undone by CD on ")
    assert rows(pg_server, pg_url, "SELECT given_id, staff FROM void") == [(1, "CD")]


def test_the_record_named_by_the_environment_is_shown_without_its_password(pg_server: PgServer, pg_url: str,
                                                                            tmp_path: Path) -> None:
    """IVIG_HANDOUT_RECORD_DB names the record; a password in it is used, and never printed."""
    with_password = pg_url.replace("@", f":{pg_server.password}@", 1)
    made = run("one-pager", "mg", "--patient-name", NAMES[1], "-o", tmp_path / "mg.pdf",
               env={"IVIG_HANDOUT_RECORD_DB": with_password, "PGPASSFILE": os.devnull})
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[-1] == f"recorded as handout 1 in {pg_url} {NOTE.format(first=1)}"
    assert pg_server.password not in made.output
    listed = run("record", "list", "--json", env={"IVIG_HANDOUT_RECORD_DB": pg_url})
    assert listed.exit_code == 0 and '"document": "mg"' in listed.stdout


def test_a_password_on_the_command_line_is_refused_without_showing_it(pg_url: str) -> None:
    secret = "s3cret-Pw"
    refused = run("record", "list", "--record-db", pg_url.replace("@", f":{secret}@", 1))
    assert refused.exit_code == 2 and secret not in refused.output
    assert refused.output.splitlines()[-1] == (
        f"Error: Invalid value for '--record-db': {pg_url}: the URL holds a password, which others could see; put "
        "it in your password file (PGPASSFILE, else ~/.pgpass) or a service file, and give the URL without it")


def unreachable_line(port: int) -> str:
    return (f"error: the record's database at 127.0.0.1:{port} cannot be reached (Connection refused): check that "
            "PostgreSQL is running there and listening on that port, and that this computer can reach it "
            f"(pg_isready -h 127.0.0.1 -p {port})")


def dead_url(own: PgServer) -> str:
    """The URL of a database whose server has stopped (its port is closed)."""
    url = own.url(own.database())
    own.stop()
    return url


def test_a_database_that_cannot_be_reached_at_start_is_one_line_and_nothing_is_made(own_server: PgServer,
                                                                                    tmp_path: Path) -> None:
    url = dead_url(own_server)
    made = run("one-pager", "gbs", "--patient-name", NAMES[0], "-o", tmp_path / "gbs.pdf", "--record-db", url)
    assert (made.exit_code, made.stdout, made.stderr) == (1, "", unreachable_line(own_server.port) + "\n")
    assert not (tmp_path / "gbs.pdf").exists()
    listed = run("record", "list", "--record-db", url)
    assert (listed.exit_code, listed.stderr) == (1, unreachable_line(own_server.port) + "\n")


def test_a_print_with_an_unreachable_record_prints_nothing(print_server: PrintServer, own_server: PgServer) -> None:
    url = dead_url(own_server)
    before = print_server.jobs_at_cups()
    failed = run("print", "mg", "--by", "AB", "--record-db", url)
    assert (failed.exit_code, failed.stdout, failed.stderr) == (1, "", unreachable_line(own_server.port) + "\n")
    assert print_server.jobs_at_cups() == before


def test_a_print_that_went_out_but_could_not_be_recorded_says_so(print_server: PrintServer, own_server: PgServer,
                                                                 tmp_path: Path) -> None:
    """The server stops while the print's row is being recorded (the process paused inside the
    transaction): the job is printed, the command says it was NOT recorded, exit 1, no row."""
    url = own_server.url(own_server.database())
    mark = print_server.mark()
    data = {"XDG_DATA_HOME": str(tmp_path / "data")}
    proc = start("print", "mg", "--by", "AB", "--record-db", url, cwd=tmp_path, pause="record-transaction",
                 extra={"IVIG_HANDOUT_RECORD_RETRY": "1", **data})
    try:
        paused(proc, "the record's transaction")
        own_server.stop()
        resume(proc)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1
    job = out.splitlines()[0].rsplit(" as job ", 1)[1]
    assert out.splitlines() == [f"printed mg (1 page, letter) on clinic as job {job}"]
    assert len(err.splitlines()) == 1, err
    line = err.strip()
    assert line.startswith(f"error: printed on clinic as job {job}, but NOT recorded: the record's database at "
                           f"127.0.0.1:{own_server.port} was lost and did not come back within 1 s ("), line
    assert line.endswith("; `ivig-handout record pending` records it once the record is back"), line
    print_server.job("clinic", mark)  # the printer got it
    own_server.start_again()  # back, at another port: the record holds nothing of it
    database = url.rsplit("/", 1)[1]
    assert own_server.sql("SELECT count(*) FROM given", database) == [(0,)]
    url = own_server.url(database)
    later = run("record", "pending", "--record-db", url, env=data)
    assert (later.exit_code, later.stdout) == (0, f"recorded 1 handout that waited in {url}\n"), later.output
    assert own_server.sql("SELECT document, printer, job_id, staff FROM given", database) == [("mg", "clinic", job, "AB")]
    again = run("record", "pending", "--record-db", url, env=data)
    assert again.stdout == "no handouts are waiting to be recorded\n"
    assert own_server.sql("SELECT count(*) FROM given", database) == [(1,)]


@pytest.mark.parametrize("fault", ["restart", "stop"])
def test_a_server_restart_in_the_middle_of_a_rosters_transaction_records_all_rows_or_none(
        own_server: PgServer, tmp_path: Path, fault: str) -> None:
    """Issue 24: `pg_ctl restart` (or stop) while the roster's rows are being recorded: after it the record
    holds all the roster's rows (the write tried again) or none (the server stayed down), and the command
    says which."""
    url = own_server.url(own_server.database())
    roster(tmp_path)
    proc = start("batch", "--roster", "today.csv", "--by", "EF", "--out-dir", "out", "--record-db", url, cwd=tmp_path,
                 pause="record-transaction", extra={"IVIG_HANDOUT_RECORD_RETRY": "3",
                                                    "XDG_DATA_HOME": str(tmp_path / "data")})
    try:
        paused(proc, "the record's transaction")
        own_server.restart() if fault == "restart" else own_server.stop()
        resume(proc)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if fault == "restart":
        assert (proc.returncode, err) == (0, "")
        assert rows(own_server, url) == [("gbs", None, "EF"), ("mg", None, "EF")]  # both
        first, last = (i for (i,) in rows(own_server, url, "SELECT id FROM given ORDER BY id"))  # (the lost try's
        assert last == first + 1  # numbers are not used again: a sequence never goes back)
        assert out.splitlines()[-1] == f"recorded as handouts {first} to {last} in {url} {NOTE.format(first=first)}"
        return
    assert proc.returncode == 1 and "recorded as" not in out
    assert len(err.splitlines()) == 1, err
    line = err.strip()
    assert line.startswith(f"error: made 2 handouts, but NOT recorded: the record's database at 127.0.0.1:"
                           f"{own_server.port} was lost and did not come back within 3 s ("), line
    assert line.endswith("; `ivig-handout record pending` records them once the record is back"), line
    own_server.start_again()
    assert own_server.sql("SELECT count(*) FROM given", url.rsplit("/", 1)[1]) == [(0,)]  # none of the roster


def test_the_least_privilege_role_records_and_cannot_migrate_change_or_delete(pg_server: PgServer,
                                                                              tmp_path: Path) -> None:
    """docs/record-postgres.md: the owner role migrates (and grants); the desk's role may only SELECT and
    INSERT: it records, lists, voids (a row of the void table); `record migrate` as it is one clear line;
    an UPDATE or DELETE of a row is refused by the server."""
    owner, desk = pg_server.role(f"owner_{os.getpid()}"), pg_server.role(f"desk_{os.getpid()}")
    database = pg_server.database(owner)
    owner_url, desk_url = pg_server.url(database, owner), pg_server.url(database, desk)
    migrated = run("record", "migrate", "--grant", desk, "--record-db", owner_url)
    assert migrated.exit_code == 0, migrated.output
    assert migrated.stdout == f"the record {owner_url} is migrated from version 0 to 5; the role {desk} may record\n"
    assert run("record", "migrate", "--record-db", owner_url).stdout == f"the record {owner_url} is already at version 5\n"
    roster(tmp_path)
    made = run("batch", "--roster", tmp_path / "today.csv", "--clinic", clinic(tmp_path, "no"), "--out-dir",
               tmp_path / "out", "--record-db", desk_url)
    assert made.exit_code == 0, made.output
    assert rows(pg_server, owner_url) == [("gbs", None, None), ("mg", None, None)]
    assert run("record", "void", "2", "--by", "AB", "--record-db", desk_url).exit_code == 0
    history = tmp_path / "desk.sqlite3"  # a desk's history copied in by the desk's role
    assert run("one-pager", "cidp", "--patient-name", NAMES[0], "-o", tmp_path / "cidp.pdf", "--record-db",
               history).exit_code == 0
    copied = run("record", "copy", "--from", history, "--to", desk_url)
    assert (copied.exit_code, copied.stdout) == (0, f"copied 1 handout from {history} to {desk_url} (0 already there)\n")
    refused = run("record", "migrate", "--record-db", desk_url)
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (f"error: {desk_url}: the role {desk} may not change the record's tables: run "
                              "`ivig-handout record migrate` as the role that owns the database "
                              "(docs/record-postgres.md)\n")
    for statement in ("UPDATE given SET copies = 9", "DELETE FROM given", "DELETE FROM void",
                      "UPDATE void SET staff = 'X'", "DROP TABLE given"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            pg_server.sql(statement, database, desk)
    assert rows(pg_server, owner_url, "SELECT count(*), sum(copies) FROM given") == [(3, 5)]
    reader = pg_server.role(f"reader_{os.getpid()}")  # SELECT only (an auditor): reads, and cannot record
    pg_server.sql(f'GRANT SELECT ON schema_version, given, void TO "{reader}"', database)
    reader_url = pg_server.url(database, reader)
    listed = run("record", "export", "--format", "csv", "--record-db", reader_url)
    assert listed.exit_code == 0 and listed.stdout.count("\n") == 4
    refused = run("one-pager", "gbs", "--patient-name", NAMES[0], "-o", tmp_path / "gbs.pdf", "--record-db",
                  reader_url, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert refused.exit_code == 1 and refused.stderr == (
        f"error: made 1 handout, but NOT recorded: {reader_url}: this role may not do that in the record (permission "
        "denied for sequence given_id_seq); see docs/record-postgres.md for the roles and their grants; "
        "`ivig-handout record pending` records it once the record is back\n")


def test_a_desk_role_opening_a_record_not_yet_migrated_is_told_to_migrate(pg_server: PgServer,
                                                                          tmp_path: Path) -> None:
    owner, desk = pg_server.role(f"own2_{os.getpid()}"), pg_server.role(f"desk2_{os.getpid()}")
    database = pg_server.database(owner)
    pg_server.sql(f'GRANT CONNECT ON DATABASE {database} TO "{desk}"')
    desk_url = pg_server.url(database, desk)
    made = run("one-pager", "gbs", "--patient-name", NAMES[0], "-o", tmp_path / "gbs.pdf", "--record-db", desk_url)
    assert (made.exit_code, made.stdout) == (1, "")
    assert made.stderr == (f"error: {desk_url}: the role {desk} may not change the record's tables (the record is at "
                           "version 0, this ivig-handout needs 5); run `ivig-handout record migrate` as the role "
                           "that owns the database (docs/record-postgres.md)\n")
    assert not (tmp_path / "gbs.pdf").exists()


def test_record_copy_moves_a_desks_history_in_once(pg_server: PgServer, pg_url: str, tmp_path: Path) -> None:
    desk = tmp_path / "desk.sqlite3"
    for name in NAMES:
        assert run("one-pager", "gbs", "--patient-name", name, "-o", tmp_path / f"{len(name)}.pdf",
                   "--record-db", desk).exit_code == 0
    assert run("record", "void", "1", "--by", "AB", "--record-db", desk).exit_code == 0
    first = run("record", "copy", "--from", desk, "--to", pg_url)
    assert (first.exit_code, first.stderr) == (0, "")
    assert first.stdout == f"copied 2 handouts from {desk} to {pg_url} (0 already there, 1 void mark added)\n"
    again = run("record", "copy", "--from", desk, "--to", pg_url)
    assert again.stdout == f"copied 0 handouts from {desk} to {pg_url} (2 already there)\n"
    theirs = [(e.uuid, e.when, e.document, e.void) for e in open_record(desk, read_only=True).entries()]
    ours = [(e.uuid, e.when, e.document, e.void) for e in open_record(pg_url, read_only=True).entries()]
    assert ours == theirs and rows(pg_server, pg_url, "SELECT count(*) FROM given") == [(2,)]
    csv_desk = run("record", "export", "--format", "csv", "--record-db", desk)
    csv_db = run("record", "export", "--format", "csv", "--record-db", pg_url)
    assert csv_desk.stdout == csv_db.stdout and csv_desk.stdout.count("\n") == 3


def test_record_migrate_brings_an_older_file_up_to_date_once(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    from ..export.test_record import version_3_file

    version_3_file(db)
    first = run("record", "migrate", "--record-db", db)
    assert (first.exit_code, first.stdout) == (0, f"the record {db} is migrated from version 3 to 5\n")
    assert run("record", "migrate", "--record-db", db).stdout == f"the record {db} is already at version 5\n"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM given WHERE uuid IS NOT NULL").fetchone() == (1,)
    conn.close()


def test_the_page_with_an_unreachable_record_does_not_start(own_server: PgServer, tmp_path: Path) -> None:
    """`serve --record-db URL`: a database that cannot be reached stops the page before it listens, in one line."""
    url = dead_url(own_server)
    proc = start("serve", "--record-db", url, cwd=tmp_path)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert (proc.returncode, out, err) == (1, "", unreachable_line(own_server.port) + "\n")


def test_the_page_records_through_its_pool_and_finds_the_server_again_after_a_restart(own_server: PgServer) -> None:
    """The web page's pool: a restart of the server between two downloads loses nothing (the pool's
    connections are checked, a lost one is made again)."""
    from .web.conftest import handout_form, open_page

    url = own_server.url(own_server.database())
    page = open_page(record_db=url)
    assert page.post("/", handout_form(action="download", by="AB")).status_code == 200
    own_server.restart()
    assert page.post("/", handout_form(action="download", patient_name="Bob Stone")).status_code == 200
    page.client.application.extensions["ivig"].desk.record.close()  # (as serve does when it stops)
    assert rows(own_server, url, "SELECT staff, patient FROM given ORDER BY id") == [("AB", None), (None, None)]


def _printed_as_the_record_is_lost(print_server: PrintServer, own_server: PgServer,
                                   monkeypatch: pytest.MonkeyPatch) -> Printed:
    """The desk (the web page's Print) prints MG after the record's server stopped: what it says; the job
    is checked to have reached the printer."""
    from ivig_handout.api import Request, build
    from ivig_handout.apps.web.desk import Desk

    monkeypatch.setenv("IVIG_HANDOUT_RECORD_RETRY", "0.5")
    desk = Desk("clinic", own_server.url(own_server.database()))
    mark = print_server.mark()
    own_server.stop()
    try:
        printed = desk.print(build(Request(document="mg")), 1, "AB")
    finally:
        desk.record.close()
    print_server.job("clinic", mark)
    return printed


def test_the_page_says_a_print_went_out_but_was_not_recorded(print_server: PrintServer, own_server: PgServer,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk (the web page's Print): the record's server stops after the page started; the job is
    printed, the page is told it was NOT recorded, and the row waits for `record pending`."""
    from ivig_handout.export.sinks.record_held import held

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    printed = _printed_as_the_record_is_lost(print_server, own_server, monkeypatch)
    said = (f"Printed on clinic as job {printed.job}, but NOT recorded: the education record cannot be reached. "
            "Tell the person who looks after it; the handout will be recorded later.")
    assert printed.warnings == (said,)
    assert [(e.document, e.printer, e.job_id, e.by) for e in held()] == [("mg", "clinic", printed.job, "AB")]


def test_the_page_never_says_a_print_will_be_recorded_when_it_cannot_be_kept(
        print_server: PrintServer, own_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As above, but the data folder where the row would wait cannot be made (a file stands in its place,
    as a full disk stops it too): the page says the handout could not be kept either and is to be noted
    by hand, never that it will be recorded later."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ivig-handout").write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    printed = _printed_as_the_record_is_lost(print_server, own_server, monkeypatch)
    said = (f"Printed on clinic as job {printed.job}, but NOT recorded: the education record cannot be reached. Tell "
            "the person who looks after it; this handout could not be kept to record later either, so note it by hand.")
    assert printed.warnings == (said,)
    assert (tmp_path / "data" / "ivig-handout").read_text(encoding="utf-8") == "not a folder\n"
