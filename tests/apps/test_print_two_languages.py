"""Issue 23: ``print --also es`` sends one two-sided job (English on the front, Spanish on the back of the
same sheet) to the real private print server (tests/printserver.py), and records it with both languages."""

from __future__ import annotations

import re

from click.testing import CliRunner

from ivig_handout.apps.cli import main

from ..printserver import PrintServer, page_words


def test_print_a_two_language_one_pager(print_server: PrintServer) -> None:
    mark = print_server.mark()
    result = CliRunner().invoke(main, ["print", "lems", "--also", "es", "--allow-draft", "--by", "AB"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert re.match(r"printed lems \(2 pages, letter\) on clinic as job clinic-\d+\n", result.stdout)
    job = print_server.job("clinic", mark)
    assert (job["sides"], job["job-name"]) == ("two-sided-long-edge", "ivig-lems-letter-en-es")
    front, back = ({w for w, *_ in page} for page in page_words(job.document))
    assert "Lambert-Eaton" in front and "About" in front and "Acerca" not in front
    assert "Acerca" in back and "About" not in back
    note = CliRunner().invoke(main, ["record", "list", "--json"])
    assert '"language": "en-US+es-US"' in note.stdout
