"""`ivig-handout list`: every disorder of the content pack, as aligned text and as JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.inputs.model import Handout
from ivig_handout.resources import default_content_dir


def test_list_text(handout: Handout) -> None:
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    disorders = handout.disorders()
    assert len(lines) == len(disorders) == 12
    columns = {line.index(handout.labels.rating(d.rating)) for line, (d, _) in zip(lines, disorders, strict=True)}
    assert len(columns) == 1, "rating words are not aligned"
    for line, (d, _) in zip(lines, disorders, strict=True):
        assert line.split()[0] == d.id
        assert line.split()[1] == (d.abbreviation or "-")
        assert handout.labels.rating(d.rating) in line and d.name in line
        for alias in d.aliases:
            assert alias in line
    assert lines[0].startswith("gbs ") and "Guillain-Barré syndrome" in lines[0]
    assert lines[-1].startswith("postpolio ") and "Not enough evidence" in lines[-1]


def test_list_json(handout: Handout) -> None:
    result = CliRunner().invoke(main, ["list", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = [
        {"id": d.id, "name": d.name, "abbreviation": d.abbreviation, "rating": d.rating,
         "rating_word": handout.labels.rating(d.rating), "aliases": list(d.aliases),
         "group": g.id if g else None}
        for d, g in handout.disorders()
    ]
    assert rows == expected
    assert [r["rating"] for r in rows].count("insufficient") == 6


def test_list_follows_the_content_pack(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_content_dir(), pack)
    labels = pack / "labels.yaml"
    labels.write_text(labels.read_text(encoding="utf-8").replace("strong: Strong evidence", "strong: Good evidence"),
                      encoding="utf-8")
    rows = json.loads(CliRunner().invoke(main, ["list", "--json", "--content", str(pack)]).stdout)
    assert rows[0]["rating_word"] == "Good evidence"


def test_list_broken_pack_is_a_located_error(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_content_dir(), pack)
    sheet = pack / "sheet.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("rating: strong", "rating: great", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["list", "--content", str(pack)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {pack}/sheet.yaml:") and "great" in result.stderr
    assert "Traceback" not in result.stderr
