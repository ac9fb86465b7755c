"""Content packs (issue 23): pack.yaml in every pack, located errors for a missing or wrong one and
for a label a translation lacks, the shipped Spanish draft, and a translation gone stale when one
English sentence changes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ivig_handout.apps.check import run_checks
from ivig_handout.errors import ContentError
from ivig_handout.inputs.content import draft_problem, load_handout, text_hash
from ivig_handout.inputs.roster import format_date
from ivig_handout.resources import default_content_dir, resolve_pack, shipped_packs

from ..conftest import edit
from .common import one_error, run_cli


@pytest.fixture()
def both(tmp_path: Path) -> Path:
    """A copy of the bundled packs: the English one, with the Spanish one in es/ under it."""
    folder = tmp_path / "content"
    shutil.copytree(default_content_dir(), folder)
    return folder


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_every_shipped_pack_says_what_it_is() -> None:
    english, spanish = load_handout(), load_handout(Path("es"))
    assert english.pack is not None and english.pack.language == "en-US" and english.pack.status == "reviewed"
    assert english.pack.translated_from is None and not english.band and not english.stale
    pack = spanish.pack
    assert pack is not None and pack.language == "es-US" and spanish.language == "es-US"
    assert pack.status == "draft" and pack.reviewer.name == "" and pack.reviewed_on is None
    assert pack.translator == "ivig-handout project (machine-assisted draft)"
    assert pack.translated_from is not None and pack.translated_from.edition == english.pack.edition
    assert set(shipped_packs()) == {"es"}


def test_the_spanish_pack_is_translated_from_todays_english_text() -> None:
    """The shipped draft names the English text as it is now: an English edit makes it stale (then
    translate the change and put the new hash, which `check` prints, in es/pack.yaml)."""
    spanish = load_handout(Path("es"))
    assert spanish.pack is not None and spanish.pack.translated_from is not None
    assert spanish.pack.translated_from.text_sha256 == text_hash(load_handout())
    assert not spanish.stale
    assert spanish.band == ("Borrador de traducción, sin revisar: no entregar a pacientes / "
                            "Draft translation, not reviewed: do not give to patients")


def test_content_es_is_the_shipped_pack_and_a_path_is_a_path(tmp_path: Path) -> None:
    assert resolve_pack(Path("es")) == default_content_dir() / "es"
    assert resolve_pack("./es") == Path("es") and resolve_pack(None) is None  # --content ./es: a folder
    assert resolve_pack(tmp_path) == tmp_path
    code, out, _ = run_cli("list", "--content", "es")
    assert code == 0 and "Síndrome de Guillain-Barré" in out and "Evidencia sólida" in out


def test_a_pack_without_pack_yaml_is_one_located_error(pack: Path) -> None:
    (pack / "pack.yaml").unlink()
    line = one_error(*run_cli("list", "--content", str(pack))[::2])
    assert line.startswith(f"error: {pack}/pack.yaml: not found; every content pack has one"), line


@pytest.mark.parametrize(("old", "new", "words"), [
    ("status: reviewed", "status: final", "status: must be one of 'draft' or 'reviewed', not 'final'"),
    ("language: en-US", "language: English (US)", "language: 'English (US)' is not a BCP 47 language tag"),
    ("reviewed_on: 2026-11-25", "reviewed_on: last week", "reviewed_on: expected a date like 2026-01-31"),
])
def test_a_wrong_pack_yaml_is_one_located_error(pack: Path, old: str, new: str, words: str) -> None:
    edit(pack, "pack.yaml", old, new)
    line = one_error(*run_cli("list", "--content", str(pack))[::2])
    assert line.startswith(f"error: {pack}/pack.yaml:{line_of(pack / 'pack.yaml', new)}:") and words in line, line


def test_reviewed_says_by_whom(both: Path) -> None:
    edit(both / "es", "pack.yaml", "status: draft", "status: reviewed")
    line = one_error(*run_cli("list", "--content", str(both / "es"))[::2])
    assert f"{both}/es/pack.yaml:" in line and "status: reviewed needs reviewer (name and role) and reviewed_on" in line


def test_a_label_missing_from_a_translation_says_which_and_where(both: Path) -> None:
    edit(both / "es", "labels.yaml", "  qr_label: Escanee con la cámara de su teléfono o escriba la dirección web\n", "")
    line = one_error(*run_cli("list", "--content", str(both / "es"))[::2])
    assert line.startswith(f"error: {both}/es/labels.yaml:") and "clinic.qr_label: required field is missing" in line


def test_a_language_the_sheet_contradicts_is_an_error(both: Path) -> None:
    edit(both / "es", "sheet.yaml", "language: es-US", "language: en-US")
    line = one_error(*run_cli("list", "--content", str(both / "es"))[::2])
    assert f"{both}/es/sheet.yaml: meta.language: 'en-US' differs from pack.yaml's language 'es-US'" in line


def test_a_pack_must_cite_the_newer_statement(pack: Path) -> None:
    edit(pack, "labels.yaml", "doi:10.1002/mus.27922.", "(no DOI)")
    line = one_error(*run_cli("list", "--content", str(pack))[::2])
    assert f"{pack}/labels.yaml:" in line and "newer_statement: must cite the 2023 AANEM consensus statement" in line


def test_one_english_sentence_changed_makes_the_translation_stale(both: Path) -> None:
    assert not load_handout(both / "es").stale  # the copy as shipped is current
    edit(both, "sheet.yaml", "There is not enough evidence to know the best IVIg dose to use.",
         "There is not enough evidence yet to know the best IVIg dose to use.")
    spanish = load_handout(both / "es")
    assert spanish.stale and spanish.band.startswith("Borrador de traducción")
    problem = draft_problem(spanish, both / "es")
    assert problem is not None and "is out of date: its English edition changed since it was translated" in problem
    found = {f.check: f for f in run_checks(both / "es", fit=False)}["content pack"]
    assert found.status == "warn" and "stale: the English text changed since it was translated" in found.detail
    assert found.data["stale"] is True


def test_a_reviewed_current_translation_has_no_band(both: Path) -> None:
    edit(both / "es", "pack.yaml", 'reviewer:\n  name: ""\n  role: ""\nreviewed_on: null\nstatus: draft',
         "reviewer:\n  name: Ana Ruiz\n  role: certified medical translator\nreviewed_on: 2026-12-05\nstatus: reviewed")
    spanish = load_handout(both / "es")
    assert spanish.band == "" and draft_problem(spanish, both / "es") is None
    found = {f.check: f for f in run_checks(both / "es", fit=False)}["content pack"]
    assert found.status == "ok" and "reviewer: Ana Ruiz (certified medical translator), on 2026-12-05" in found.items


def test_check_reports_an_unreviewed_draft() -> None:
    found = {f.check: f for f in run_checks(Path("es"), fit=False)}
    pack = found["content pack"]
    assert pack.status == "warn" and "es-US, edition aan-ivig-2012-es.draft1, draft; unreviewed draft" in pack.detail
    assert "translator: ivig-handout project (machine-assisted draft)" in pack.items
    assert found["sentences as in the English"].status == "ok"  # every section as many sentences as the English


def test_a_translation_missing_a_sentence_is_warned(both: Path) -> None:
    edit(both / "es", "sheet.yaml", " Esto causa inflamación.", "")
    found = {f.check: f for f in run_checks(both / "es", fit=False)}["sentences as in the English"]
    assert found.status == "warn" and found.items == (
        ("Polineuropatías desmielinizantes inflamatorias: 19 sentence(s), the English 20 "
        "(Inflammatory Demyelinating Polyneuropathies)"),)


def test_dates_in_the_packs_language_from_cldr() -> None:
    assert format_date(date(2026, 12, 1)) == "1 December 2026"  # English as before
    assert format_date(date(2026, 12, 1), "es-US") == "1 de diciembre de 2026"
    assert format_date(date(2026, 9, 28), "es") == "28 de septiembre de 2026"


def test_a_broken_pack_is_never_half_loaded(pack: Path) -> None:
    (pack / "pack.yaml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_handout(pack)
    assert caught.value.problems == [f"{pack}/pack.yaml:1:1: expected a mapping of fields at the top level"]
