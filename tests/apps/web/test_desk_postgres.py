"""Issue 24: the front-desk page (``serve --record-db postgresql://...``) records in a PostgreSQL database
through a pool of connections: a download for a named patient is a row (without the name: no clinic says
record_names), the same again is a reprint, "Undo" voids it, and "Today's handouts" and the CSV read the
database back."""

from __future__ import annotations

import csv
import html
import io

from ivig_handout.export.sinks.record import open_record

from ...pgserver import PgServer
from .conftest import handout_form, open_page


def test_the_page_records_in_postgresql(pg_server: PgServer, pg_url: str) -> None:
    page = open_page(record_db=pg_url)
    first = page.post("/", handout_form(action="download", by="AB"))
    again = page.post("/", handout_form(action="download", by="CD"))
    assert first.status_code == again.status_code == 200 and first.data == again.data
    entries = open_record(pg_url, read_only=True).entries()
    assert [(e.id, e.reprint_of, e.by, e.patient) for e in entries] == [(1, None, "AB", None), (2, 1, "CD", None)]
    database = pg_url.rsplit("/", 1)[1]
    assert pg_server.sql("SELECT count(*) FROM given WHERE patient IS NOT NULL", database) == [(0,)]
    today = html.unescape(page.client.get("/today").text)
    assert "by CD, a reprint of handout 1" in today
    exported = list(csv.DictReader(io.StringIO(page.client.get("/record/today.csv").text)))
    assert [(r["id"], r["by"], r["uuid"]) for r in exported] == [(str(e.id), e.by, e.uuid) for e in entries]
    page.client.application.extensions["ivig"].desk.record.close()  # (as serve does when it stops)
