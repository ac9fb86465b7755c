"""The library API every front end uses: ivig_handout.build(Request) -> Result, read back as PDFs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ivig_handout
from ivig_handout import ContentError, NotFoundError, Patient, Request, build, build_all, documents
from ivig_handout.export.sinks import Artifact
from ivig_handout.export.sinks.file import FileSink

from .pdfcheck import catalog, fonts, page_sizes, page_texts, reader, squash

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "clinic.yaml"
SRC = Path(__file__).resolve().parents[1] / "src"


def test_every_public_name_is_exported_and_documented() -> None:
    for name in ivig_handout.__all__:
        value = getattr(ivig_handout, name)
        if name != "__version__":
            assert (value.__doc__ or "").strip(), name
    assert {"build", "Request", "Result", "Patient"} <= set(ivig_handout.__all__)


def test_importing_the_package_loads_neither_reportlab_nor_pydantic() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    code = "import sys, ivig_handout; print(sorted(m for m in ('reportlab', 'pydantic', 'pikepdf') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "[]"


def test_a_one_pager_result_carries_the_pdf_and_its_facts() -> None:
    result = build(Request("myasthenia", layout="a4"))  # an alias
    assert (result.kind, result.document, result.file_name) == ("one-pager", "mg", "ivig-mg-a4.pdf")
    assert result.layout.name == "a4" and result.pages == 1 == len(reader(result.data).pages)
    assert page_sizes(result.data) == [(595.28, 841.89)]
    assert result.body in (11.0, 12.0) and not result.personal and result.left_out == ()
    assert "Myasthenia gravis (MG)" in squash(page_texts(result.data)[0])
    assert all(f.embedded for f in fonts(result.data))
    facts = catalog(result.data)
    assert facts["lang"] == "en-US" and facts["display_title"]
    assert facts["info"]["/Title"] == "IVIg for Myasthenia gravis (MG)"


def test_the_full_sheet_in_greyscale_imposed_as_a_booklet() -> None:
    result = build(Request("full", layout="booklet", mono=True))
    assert (result.kind, result.layout.name, result.file_name) == (
        "full-sheet", "booklet-mono", "ivig-information-sheet-booklet-mono.pdf")
    assert result.pages == len(reader(result.data).pages) == 4  # 5 half-letter pages on 2 sheets, both sides
    assert set(page_sizes(result.data)) == {(792.0, 612.0)}


def test_a_patient_is_printed_and_the_result_says_it_is_personal() -> None:
    result = build(Request("lems", clinic=EXAMPLE, patient=Patient("Ana Souza", "1 Dec 2026")))
    text = squash(page_texts(result.data)[0])
    assert "Ana Souza" in text and "1 Dec 2026" in text and result.personal
    assert result.artifact() == Artifact(result.data, "lems", "one-pager", "letter", 1, "ivig-lems-letter.pdf", True)


def test_parts_that_give_way_come_back_as_values_and_notes() -> None:
    result = build(Request("gbs", clinic=EXAMPLE))
    assert result.left_out == ("the notes box",)
    assert result.notes == ("the notes box was left out of gbs on letter to keep one page",)
    assert "Notes from your care team" not in squash(page_texts(result.data)[0])


def test_build_all_makes_every_document_or_raises_before_returning_any() -> None:
    made = build_all([Request(doc, "letter", kind="one-pager") for doc in documents(kind="one-pager")])
    assert [r.document for r in made] == documents()[1:] and all(r.pages == 1 for r in made)
    with pytest.raises(NotFoundError, match="unknown disorder 'gbz': did you mean 'gbs'"):
        build_all([Request("mg"), Request("gbz")])


def test_errors_are_values_of_one_hierarchy(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="unknown layout 'leter'"):
        build(Request("full", layout="leter"))
    with pytest.raises(NotFoundError, match="unknown disorder 'full'"):
        build(Request("full", kind="one-pager"))  # the full sheet is not a one-pager
    with pytest.raises(ContentError, match="content folder not found"):
        build(Request("full", content=tmp_path / "nowhere"))
    assert issubclass(NotFoundError, ivig_handout.IvigError) and issubclass(ContentError, ivig_handout.IvigError)


def test_the_file_sink_writes_the_artifact_under_its_name(tmp_path: Path) -> None:
    result = build(Request("polymyositis"))
    where = FileSink(folder=tmp_path).send(result.artifact())
    assert where == str(tmp_path / "ivig-polymyositis-letter.pdf")
    assert Path(where).read_bytes() == result.data
    assert [p.name for p in tmp_path.iterdir()] == ["ivig-polymyositis-letter.pdf"]  # no temporary file left
