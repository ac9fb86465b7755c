"""Benchmark (a script, not a test): the education record on PostgreSQL (issue 24), each figure paired in
the same run with the SQLite file.

1. a 300-row roster recorded (``add_all``: one transaction; on PostgreSQL one round trip for the ids,
   one for the first handouts, and the rows in one pipelined executemany); target < 50 ms on localhost;
2. ``record list --since today`` on a record of 1,000,000 rows (spread over three years, 300 of them
   today): the read as the command does it (open read-only, query, rows), target < 100 ms (the index on
   the time), and the whole command as a process (with Python's start-up) for scale.

A real server: initdb and pg_ctl in a temporary folder on a free 127.0.0.1 port (tests/pgserver.py),
with fsync on (each commit on the disk, as the SQLite file's synchronous=FULL), stopped at the end.
Medians of BENCH_RUNS (default 15) runs after one warm-up.
Run: `python bench/record_pg.py`.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgserver import PgServer  # noqa: E402

from ivig_handout.apps.recording import read  # noqa: E402
from ivig_handout.export.sinks.record import Given, open_record  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
ROWS = 300
BIG = 1_000_000
SHA = "ab" * 32


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    work()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def roster_rows() -> list[Given]:
    """A day's roster: 300 rows, every 5th one the same document as an earlier row (a reprint to find)."""
    return [Given(f"doc-{n % 40}", "one-pager", "letter", 1 + n % 3, SHA, "c3ad53", 2012, by="AB",
                  made=f"{n % 60:032x}x1") for n in range(ROWS)]


FILL_PG = """
INSERT INTO given (id, at, document, title, kind, layout, copies, sha256, edition, source_year, staff, uuid)
SELECT i, now() - interval '1 day' - (i * interval '94 seconds'), 'gbs', 'IVIg for GBS', 'one-pager', 'letter',
       1, '{sha}', 'c3ad53', 2012, 'AB', gen_random_uuid()
FROM generate_series(1, {n}) AS i
"""
FILL_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
INSERT INTO given (id, at, document, title, kind, layout, copies, sha256, edition, source_year, staff, uuid)
SELECT i, strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now', '-1 day', '-' || (i * 94) || ' seconds'), 'gbs',
       'IVIg for GBS', 'one-pager', 'letter', 1, '{sha}', 'c3ad53', 2012, 'AB', lower(hex(randomblob(16)))
FROM n
"""


def big_pg(server: PgServer) -> str:
    url = server.url(server.database())
    open_record(url).close()  # the tables
    name = url.rsplit("/", 1)[1]
    server.sql(FILL_PG.format(sha=SHA, n=BIG - ROWS), name)
    server.sql(f"SELECT setval('given_id_seq', {BIG - ROWS})", name)
    server.sql("ANALYZE given", name)
    open_record(url).add_all(roster_rows())  # today's
    return url


def big_sqlite(folder: Path) -> Path:
    path = folder / "big.sqlite3"
    open_record(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(FILL_SQLITE.format(sha=SHA, n=BIG - ROWS))
        conn.execute("ANALYZE")
    conn.close()
    open_record(path).add_all(roster_rows())
    return path


def command_ms(target: str | Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    def run() -> None:
        done = subprocess.run([sys.executable, "-m", "ivig_handout", "record", "list", "--since", "today",
                               "--record-db", str(target)], env=env, capture_output=True, text=True, check=True)
        assert done.stdout.count("\n") == ROWS + 1, done.stdout[-300:]

    return median_ms(run, max(3, RUNS // 3))


def main() -> None:
    print(f"# record on PostgreSQL vs SQLite ({platform.python_version()}, {os.cpu_count()} cores), "
          f"medians of {RUNS} runs")
    server = PgServer.start(fsync=True)  # every commit on the disk, as SQLite's synchronous=FULL
    os.environ["PGPASSFILE"] = str(server.passfile)
    try:
        with tempfile.TemporaryDirectory() as folder:
            pg = open_record(server.url(server.database()))
            lite = open_record(Path(folder) / "record.sqlite3")
            rows = roster_rows()
            pg_ms, lite_ms = median_ms(lambda: pg.add_all(rows)), median_ms(lambda: lite.add_all(rows))
            print(f"300-row roster recorded (one transaction): PostgreSQL {pg_ms:.1f} ms (target < 50), "
                  f"SQLite {lite_ms:.1f} ms")
            pg.close()
            started = time.perf_counter()
            url = big_pg(server)
            path = big_sqlite(Path(folder))
            print(f"(two records of {BIG:,} rows made in {time.perf_counter() - started:.0f} s)")
            for target in (url, path):
                assert len(read(target, date.today())) == ROWS
            pg_read, lite_read = (median_ms(lambda t=t: read(t, date.today())) for t in (url, path))  # type: ignore[misc]
            print(f"record list --since today on {BIG:,} rows, the read (open, query, {ROWS} rows): "
                  f"PostgreSQL {pg_read:.1f} ms (target < 100), SQLite {lite_read:.1f} ms")
            plan = server.sql("EXPLAIN SELECT * FROM given WHERE at >= now() - interval '1 hour'",
                              url.rsplit("/", 1)[1])
            print(f"  PostgreSQL's plan: {plan[0][0].strip()}")
            print(f"  the whole command as a process (Python start-up included): PostgreSQL {command_ms(url):.0f} ms, "
                  f"SQLite {command_ms(path):.0f} ms")
    finally:
        server.remove()


if __name__ == "__main__":
    main()
