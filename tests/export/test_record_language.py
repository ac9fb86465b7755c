"""Issue 23: the education record stores each handout's language and its pack's edition (migration 5),
on an SQLite file and on a real PostgreSQL database alike; rows from before have neither (NULL, empty
CSV cells, no FHIR language). The CSV carries them as its last two columns; the FHIR Communication
carries the language as Resource.language (R4's Communication has no language element of its own), and
its payload's Attachment.language."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import psycopg
import pytest

from ivig_handout.api import Request, build, given
from ivig_handout.export.sinks.record import MIGRATIONS, VERSION, RecordStore, as_csv, as_fhir, open_record
from ivig_handout.export.sinks.record_pg import PG_MIGRATIONS

from ..pgserver import PgServer
from .test_record_store import BACKENDS, SHA, a_given, new_target

TWO = "en-US+es-US"
EDITIONS = "aan-ivig-2012-en.1+aan-ivig-2012-es.draft1"


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> RecordStore:
    return open_record(new_target(request.param, request, tmp_path))


def test_rows_carry_language_and_pack_edition(store: RecordStore) -> None:
    english = given(build(Request("lems", "letter", kind="one-pager")))
    two = given(build(Request("lems", "letter", kind="one-pager", also="es")))
    spanish = given(build(Request("lems", "letter", content=Path("es"), kind="one-pager")))
    assert (english.language, english.pack_edition) == ("en-US", "aan-ivig-2012-en.1")
    assert (two.language, two.pack_edition) == (TWO, EDITIONS)
    assert (spanish.language, spanish.pack_edition) == ("es-US", "aan-ivig-2012-es.draft1")
    store.add_all([english, two, spanish])
    read = store.entries()
    assert [(e.language, e.pack_edition) for e in read] == [("en-US", "aan-ivig-2012-en.1"), (TWO, EDITIONS),
                                                           ("es-US", "aan-ivig-2012-es.draft1")]
    assert read[1] == store.get(read[1].id)


def test_the_csv_ends_with_language_and_pack_edition(store: RecordStore) -> None:
    store.add_all([a_given(language="es-US", pack_edition="aan-ivig-2012-es.draft1"), a_given()])
    rows = list(csv.reader(io.StringIO(as_csv(store.entries()))))
    assert rows[0][-2:] == ["language", "pack_edition"] and rows[0][-3] == "uuid"
    assert rows[1][-2:] == ["es-US", "aan-ivig-2012-es.draft1"] and rows[2][-2:] == ["", ""]


def test_the_fhir_communication_carries_the_language(store: RecordStore) -> None:
    store.add_all([a_given(language=TWO, pack_edition=EDITIONS), a_given(language="es-US"), a_given()])
    two, spanish, unknown = (item["resource"] for item in as_fhir(store.entries())["entry"])
    assert two["language"] == "en-US" and two["payload"][0]["contentAttachment"]["language"] == "en-US"
    assert spanish["language"] == "es-US"
    assert "language" not in unknown and "language" not in unknown["payload"][0]["contentAttachment"]


def test_copy_in_keeps_the_language(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    source = open_record(new_target("sqlite", request, tmp_path))
    source.add(a_given(language="es-US", pack_edition="aan-ivig-2012-es.draft1"))
    dest = open_record(new_target("postgresql", request, tmp_path))
    assert dest.copy_in(source.entries()).rows == 1
    (row,) = dest.entries()
    assert (row.language, row.pack_edition) == ("es-US", "aan-ivig-2012-es.draft1")


def test_a_version_4_sqlite_record_is_migrated_and_its_rows_have_no_language(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        for steps in MIGRATIONS[:4]:
            for step in steps:
                conn.execute(step) if isinstance(step, str) else step(conn)
        conn.execute("INSERT INTO schema_version VALUES (4)")
        conn.execute("INSERT INTO given (at, document, title, kind, layout, copies, sha256, edition, source_year, "
                     "uuid) VALUES ('2026-11-30T09:00:00.000000+00:00', 'mg', 'MG', 'one-pager', 'a4', 1, "
                     f"'{SHA}', 'c3ad53', 2012, '0f8b9a52-3c2d-4c53-9d7e-2b3f4a5b6c7d')")
    conn.close()
    (old,) = open_record(path, read_only=True).entries()  # read as it is
    assert (old.language, old.pack_edition) == (None, None)
    record = open_record(path)
    record.add(a_given(language="es-US", pack_edition="x.1"))
    assert [(e.language, e.pack_edition) for e in record.entries()] == [(None, None), ("es-US", "x.1")]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(VERSION,)]
        assert {"language", "pack_edition"} <= {row[1] for row in conn.execute("PRAGMA table_info(given)")}
    conn.close()


def test_a_version_4_postgresql_record_is_migrated_and_its_rows_have_no_language(pg_server: PgServer) -> None:
    url = pg_server.url(pg_server.database())
    with psycopg.connect(url, autocommit=True) as conn:
        for steps in PG_MIGRATIONS[:4]:
            for step in steps:
                conn.execute(step.encode()) if isinstance(step, str) else step(conn)
        conn.execute("INSERT INTO schema_version VALUES (4)")
        conn.execute("INSERT INTO given (at, document, title, kind, layout, copies, sha256, edition, source_year, "
                     "uuid) VALUES ('2026-11-30T09:00:00+00', 'mg', 'MG', 'one-pager', 'a4', 1, %s, 'c3ad53', 2012, "
                     "'0f8b9a52-3c2d-4c53-9d7e-2b3f4a5b6c7d')", (SHA,))
    record = open_record(url)
    record.add(a_given(language="es-US", pack_edition="x.1"))
    assert [(e.language, e.pack_edition) for e in record.entries()] == [(None, None), ("es-US", "x.1")]
    assert pg_server.sql("SELECT version FROM schema_version", url.rsplit("/", 1)[1]) == [(VERSION,)]
