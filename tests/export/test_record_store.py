"""Issue 24: the education record's store protocol, the same on both backends. Every test here runs on
an SQLite file and on a real PostgreSQL database (tests/pgserver.py; no mocks): rows read back with their
UUIDs, a roster's rows are all or none, reprints and void marks, the migrations applied once, four
processes recording at once, ``copy_in`` by UUID, and the exports (CSV, FHIR, chart note) identical from
either backend for the same rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import ivig_handout
from ivig_handout.errors import NotFoundError
from ivig_handout.export.sinks.record import (
    VERSION,
    Given,
    RecordStore,
    as_csv,
    as_fhir,
    chart_note,
    made_id,
    open_record,
)

from ..pgserver import PgServer

SHA = "3f9c1a" + "0" * 58
BACKENDS = ["sqlite", "postgresql"]


def a_given(**changes: object) -> Given:
    fields: dict[str, object] = {"document": "gbs", "kind": "one-pager", "layout": "letter", "copies": 2,
                                 "sha256": SHA, "edition": "c3ad53", "source_year": 2012,
                                 "title": "IVIg for Guillain-Barré syndrome (GBS)"}
    return Given(**(fields | changes))  # type: ignore[arg-type]


def new_target(backend: str, request: pytest.FixtureRequest, tmp_path: Path, name: str = "record") -> str | Path:
    """A new, empty record of ``backend``: a file name, or a new database's URL."""
    if backend == "sqlite":
        return tmp_path / f"{name}.sqlite3"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.database())


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    return new_target(request.param, request, tmp_path)


@pytest.fixture()
def store(target: str | Path) -> RecordStore:
    return open_record(target)


def test_a_row_reads_back_as_it_was_added_with_its_uuid(store: RecordStore) -> None:
    added = store.add(a_given(printer="clinic", job_id="clinic-4", by="AB"))
    (read,) = store.entries()
    assert read == added == store.get(added.id)
    assert (read.document, read.copies, read.printer, read.job_id, read.by, read.patient) == (
        "gbs", 2, "clinic", "clinic-4", "AB", None)
    assert str(uuid.UUID(read.uuid)) == read.uuid and read.when.tzinfo is not None
    other = store.add(a_given())
    assert other.id > added.id and other.uuid != added.uuid


def test_a_rosters_rows_are_all_or_none(store: RecordStore) -> None:
    store.add(a_given())
    rows = [a_given(document=f"d{i}") for i in range(5)] + [a_given(reprint_of=999_999)]  # the last one fails
    with pytest.raises(NotFoundError, match="no handout number 999999"):
        store.add_all(rows)
    assert [e.document for e in store.entries()] == ["gbs"]  # none of the six
    added = store.add_all(rows[:5])
    assert [e.document for e in store.entries()] == ["gbs", "d0", "d1", "d2", "d3", "d4"]
    assert len({e.uuid for e in added}) == 5 and {e.when for e in added} == {added[0].when}  # one transaction


def test_entries_since_a_day(store: RecordStore) -> None:
    entry = store.add(a_given())
    assert store.entries(since=date.today()) == [entry]
    assert store.entries(since=date.today() + timedelta(days=1)) == []
    assert store.entries(since=entry.when) == [entry]
    assert store.entries(since=entry.when + timedelta(microseconds=1)) == []
    assert store.entries(since=date(1, 1, 1)) == [entry] and store.entries(since=date(9999, 12, 31)) == []


def test_a_reprint_points_at_the_first_row_and_a_void_row_is_kept(store: RecordStore) -> None:
    made = made_id(SHA, 2)
    first, again = store.add_all([a_given(made=made), a_given(made=made)])
    assert (first.reprint_of, again.reprint_of) == (None, first.id)
    third = store.add(a_given(reprint_of=again.id))
    assert third.reprint_of == first.id
    voided = store.void(first.id, "AB")
    assert voided.void and voided.void_by == "AB" and voided.void_at is not None
    assert store.void(first.id, "CD").void_by == "AB"  # the first void stands
    fresh = store.add(a_given(made=made))  # the first is void: a new first handout
    assert fresh.reprint_of is None
    with pytest.raises(NotFoundError):
        store.get(10**6)
    with pytest.raises(NotFoundError):
        store.void(10**6, "AB")


def test_a_read_only_store_reads_and_never_writes(target: str | Path) -> None:
    open_record(target).add(a_given())
    reader = open_record(target, read_only=True)
    assert [e.document for e in reader.entries()] == ["gbs"]
    with pytest.raises(ValueError, match="read-only"):
        reader.add(a_given())


WRITER = """
import sys
from ivig_handout.export.sinks.record import Given, open_record
target, count, me = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = open_record(target)
print("ready", flush=True)
sys.stdin.readline()  # every process is ready: go
for n in range(count):
    store.add(Given(f"doc-{me}-{n}", "one-pager", "letter", 1, "ab" * 32, "c3ad53", 2012))
print("done", flush=True)
"""


def test_four_processes_recording_at_once_give_exactly_a_thousand_rows(target: str | Path) -> None:
    """Issue 24: 4 processes x 250 handouts recorded at once: exactly 1,000 rows, no duplicates, every
    UUID present and unique (they start together on a line each reads, not after a delay)."""
    env = {**os.environ, "PYTHONPATH": str(Path(ivig_handout.__file__).parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(target), "250", str(me)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for me in range(4)]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n", proc.stderr
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes = [proc.communicate(timeout=600) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert [p.returncode for p in procs] == [0] * 4, outcomes
    entries = open_record(target, read_only=True).entries()
    assert len(entries) == 1000
    assert sorted(e.document for e in entries) == sorted(f"doc-{me}-{n}" for me in range(4) for n in range(250))
    assert len({e.id for e in entries}) == 1000 and len({e.uuid for e in entries}) == 1000
    assert all(str(uuid.UUID(e.uuid)) == e.uuid for e in entries)


OPENER = """
import sys
from ivig_handout.export.sinks.record import open_record
sys.stdin.readline()
open_record(sys.argv[1]).add(__import__("ivig_handout.export.sinks.record", fromlist=["Given"]).Given(
    "gbs", "one-pager", "letter", 1, "ab" * 32, "c3ad53", 2012))
"""


def test_a_new_record_opened_by_four_processes_at_once_is_migrated_once(target: str | Path,
                                                                       request: pytest.FixtureRequest) -> None:
    """The migrations run once (an advisory lock on PostgreSQL, a write transaction on SQLite): every
    process records its row, and the record holds one schema version, the current one."""
    env = {**os.environ, "PYTHONPATH": str(Path(ivig_handout.__file__).parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(target)], stdin=subprocess.PIPE, text=True,
                              stderr=subprocess.PIPE, env=env) for _ in range(4)]
    outcomes = [proc.communicate("go\n", timeout=300) for proc in procs]
    assert [p.returncode for p in procs] == [0] * 4, outcomes
    assert len(open_record(target, read_only=True).entries()) == 4
    if isinstance(target, Path):
        import sqlite3

        with sqlite3.connect(target) as conn:
            versions = conn.execute("SELECT version FROM schema_version").fetchall()
        conn.close()
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        versions = server.sql("SELECT version FROM schema_version", target.rsplit("/", 1)[1])
    assert versions == [(VERSION,)]


def some_rows(store: RecordStore) -> None:
    """Rows of every kind: printed, named, a reprint, a void one."""
    made = made_id(SHA, 2)
    store.add_all([a_given(made=made, printer="clinic", job_id="clinic-3", by="AB"),
                   a_given(document="mg", title='IVIg for "MG", with a comma', layout="a4", patient="Ann Lee"),
                   a_given(made=made)])
    store.void(2, "CD")
    store.add(a_given(document="full", kind="full", title="", copies=1))


@pytest.mark.parametrize(("source", "dest"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_copy_in_copies_each_row_once_by_uuid(source: str, dest: str, request: pytest.FixtureRequest,
                                              tmp_path: Path) -> None:
    """Issue 24: copying a record into another copies every row once, with its time, UUID, reprint (to
    the first row's number there) and void mark; a second copy copies nothing."""
    src, dst = (new_target(b, request, tmp_path, b) for b in (source, dest))
    some_rows(open_record(src))
    open_record(dst).add(a_given(document="cidp"))  # the target has a row of its own: numbers move
    rows = open_record(src, read_only=True).entries()
    first = open_record(dst).copy_in(rows)
    assert (first.rows, first.present, first.voids) == (4, 0, 1)
    again = open_record(dst).copy_in(rows)
    assert (again.rows, again.present, again.voids) == (0, 4, 0)
    copied = open_record(dst, read_only=True).entries()
    assert [(e.id, e.document) for e in copied] == [(2, "gbs"), (3, "mg"), (4, "gbs"), (5, "full"), (1, "cidp")]
    assert [(e.uuid, e.when, e.void_by, e.patient) for e in copied[:4]] == [
        (e.uuid, e.when, e.void_by, e.patient) for e in rows]  # in time order: the copied rows are older
    assert [e.reprint_of for e in copied] == [None, None, 2, None, None]


@pytest.mark.parametrize("direction", ["sqlite->postgresql", "postgresql->sqlite"])
def test_the_exports_are_identical_from_both_backends(direction: str, request: pytest.FixtureRequest,
                                                      tmp_path: Path) -> None:
    """Issue 24: the same rows give byte-identical CSV, FHIR and chart notes from either backend."""
    source, dest = direction.split("->")
    src, dst = (new_target(b, request, tmp_path, b) for b in (source, dest))
    some_rows(open_record(src))
    assert open_record(dst).copy_in(open_record(src, read_only=True).entries()).rows == 4
    one, other = (open_record(t, read_only=True).entries() for t in (src, dst))
    assert as_csv(one) == as_csv(other)
    assert json.dumps(as_fhir(one)) == json.dumps(as_fhir(other))
    assert [chart_note(e) for e in one] == [chart_note(e) for e in other]
    assert "VOID" in chart_note(one[1]) and "a reprint of handout 1" in chart_note(one[2])
    assert one[0].when.tzinfo == UTC and isinstance(one[0].when, datetime)
