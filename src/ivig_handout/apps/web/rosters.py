"""Apps stage, web: a roster uploaded to the page, checked and made into print runs through the
batch's public roster functions (load_roster, run_roster). The upload lives only in memory and, while
it is read, in a private (0700) folder of the server's (spool.py) that is deleted straight after."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...api import Request
from ...batch.cache import RenderCache
from ...batch.roster import Roster, load_roster, run_roster
from ...errors import ContentError
from .spool import Spool

MAX_ROWS = 300  # patients in one upload; a bigger day is a batch (`ivig-handout batch --roster`)
_XLSX = b"PK\x03\x04"
_AT = re.compile(r"^.*?roster\.(?:csv|xlsx):(?:(\d+):)? ?")


@dataclass(frozen=True)
class Upload:
    """A roster as uploaded, with the options it is printed with and who hands it out (staff initials,
    for the record)."""

    data: bytes
    layout: str
    mono: bool
    content: Path | None
    clinic: Path | None
    by: str | None = None

    @property
    def file_name(self) -> str:
        return "roster.xlsx" if self.data.startswith(_XLSX) else "roster.csv"


def check(upload: Upload, spool: Spool) -> Roster:
    """The checked rows; ContentError with every bad row as ``Line N: ...``."""
    with spool.upload(upload.data, upload.file_name) as path:
        return _load(path, upload)


def print_runs(upload: Upload, spool: Spool) -> tuple[dict[str, bytes], list[tuple[Request, int]]]:
    """Each layout's print run (every row's handout x copies, in roster order), by layout name, and
    each row's request and copies (for the record; ``in_run`` picks those of one print run)."""
    with spool.upload(upload.data, upload.file_name) as path:
        roster = _load(path, upload)
        outcome = run_roster(roster, cache=RenderCache.default())  # templates cached: no worker pool to fork
        if outcome.failed:
            raise ContentError([located(f"{what}: {why}") for what, why in outcome.failed])
        runs = sorted(roster.out_dir.glob("roster-*.pdf"))
        wanted = [(roster.request(item), item.copies) for item in roster.items()]
        from ...inputs.files import read_regular  # our own files, read as every file is (1 GB: never reached)

        return {run.stem.removeprefix("roster-"): read_regular(run, 1 << 30) for run in runs}, wanted


def in_run(wanted: list[tuple[Request, int]], layout: str) -> list[tuple[Request, int]]:
    """The rows of ``wanted`` that the print run of ``layout`` holds."""
    return [(request, copies) for request, copies in wanted if request.layout == layout]


def _load(path: Path, upload: Upload) -> Roster:
    try:
        roster = load_roster(path, path.parent / "out", None, (upload.layout,), 1, upload.mono, upload.content,
                             upload.clinic, False)
    except ContentError as exc:
        raise ContentError([located(p) for p in exc.problems]) from None
    if len(roster.rows) > MAX_ROWS:
        raise ContentError([(f"the roster has {len(roster.rows)} patients; at most {MAX_ROWS} are taken here; split "
                            "it, or print it with `ivig-handout batch --roster`")])
    return roster


def located(problem: str) -> str:
    """A roster problem as the page shows it: ``Line 3: disorder: ...`` (no file path)."""
    found = _AT.match(problem)
    if found is None:
        return problem
    rest = problem[found.end():]
    return f"Line {found.group(1)}: {rest}" if found.group(1) else rest
