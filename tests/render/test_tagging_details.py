"""Tagging details an accessibility audit found (issue 21), each read back from the structure tree:
list bullets apart from the item text, a Link holding its address's text and every annotation over
it, the logo beside the printed clinic name an artifact, the PDF 1.7 header, and a print run's title."""

from __future__ import annotations

import shutil
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
import yaml

from ivig_handout.api import Request, build

from .test_clinic import EXAMPLE, EXAMPLES, write_profile
from .test_tagging import _elements, struct_text

# A web address long enough to wrap under every QR code (Letter's band and large print's box).
LONG_URL = "https://www.clinica-saojose.example/education/neuromuscular/ivig/{id}"


def _kids(element: pikepdf.Dictionary) -> list[pikepdf.Object]:
    kids = element.get("/K")
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


@pytest.mark.parametrize(("doc", "layout"), [("gbs", "letter"), ("full", "large-print"), ("mg", "large-print"),
                                             ("gbs", "a4")])
def test_list_bullet_is_not_part_of_the_item_text(doc: str, layout: str, tmp_path: Path) -> None:
    """Every list item is an LI whose LBody reads the item alone: the bullet is drawn as an artifact
    (the side-effect grid of the one-pagers included), so a screen reader does not say "bullet"."""
    path = tmp_path / "out.pdf"
    path.write_bytes(build(Request(doc, layout, clinic=EXAMPLE)).data)
    shown, text = struct_text(path)
    assert "LBody" in shown
    assert "•" not in text  # nowhere in the tagged text, so not in any LBody
    with pikepdf.open(path) as pdf:
        items = [e for e in _elements(pdf) if e.S == "/LI"]
        assert len(items) >= 6
        for item in items:
            assert [str(k.S) for k in _kids(item)] in (["/LBody"], ["/Lbl", "/LBody"])


def _wrapping_profile(folder: Path) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["qr_url"] = LONG_URL
    shutil.copy(EXAMPLES / data["logo"], folder / data["logo"])
    return write_profile(folder, data)


@pytest.mark.parametrize(("doc", "layout"), [("gbs", "letter"), ("mg", "large-print"), ("full", "a4")])
def test_link_holds_the_address_text_and_all_its_annotations(doc: str, layout: str, tmp_path: Path) -> None:
    """A long web address (where it wraps, broken only after a "/", each line a link annotation): the
    structure has ONE Link element, holding the address's printed text (without its scheme and "www.")
    and every annotation (OBJR)."""
    path = tmp_path / "out.pdf"
    path.write_bytes(build(Request(doc, layout, clinic=_wrapping_profile(tmp_path))).data)
    url = LONG_URL.replace("{id}", doc)
    with pikepdf.open(path) as pdf:
        annots = [a for page in pdf.pages for a in page.get("/Annots", []) if a.Subtype == "/Link"]
        assert annots and all(str(a.A.URI) == url for a in annots)
        links = [e for e in _elements(pdf) if e.S == "/Link"]
        assert len(links) == 1, f"{len(links)} Link elements for one address"
        kids = _kids(links[0])
        objrs = [k for k in kids if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == pikepdf.Name.OBJR]
        marks = [k for k in kids if isinstance(k, int) or (isinstance(k, pikepdf.Dictionary)
                                                         and k.get("/Type") == pikepdf.Name.MCR)]
        assert sorted(o.Obj.objgen for o in objrs) == sorted(a.objgen for a in annots)
        assert marks, "the Link holds no text"
        assert all(a.StructParent is not None for a in annots)
    shown, _ = struct_text(path)
    link = shown.split("Link (inline)\n", 1)[1].split("\n")[0].strip().strip('"')
    assert link.replace(" ", "") == url.removeprefix("https://www.")


@pytest.mark.parametrize(("doc", "layout"), [("gbs", "letter"), ("full", "large-print"), ("cidp", "a4")])
def test_logo_beside_the_printed_name_is_an_artifact(doc: str, layout: str, tmp_path: Path) -> None:
    """The clinic's name is printed beside its logo, so the logo is not a Figure whose alt text says
    the name again: the only Figures are the badges and the QR code; the name is read once."""
    path = tmp_path / "out.pdf"
    path.write_bytes(build(Request(doc, layout, clinic=EXAMPLE)).data)
    with pikepdf.open(path) as pdf:
        alts = [str(e.get("/Alt", "")) for e in _elements(pdf) if e.S == "/Figure"]
    assert alts and not any("Clínica São José" in a for a in alts), alts
    assert all(a.startswith("QR code: ") or a.endswith("evidence") for a in alts), alts
    _, text = struct_text(path)
    assert text.count("Clínica São José") == 1


def test_logo_without_a_printed_name_keeps_its_alt_text(tmp_path: Path) -> None:
    """No name in the profile: the logo is the clinic's only mark, a Figure with its alt text."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del data["name"]
    shutil.copy(EXAMPLES / data["logo"], tmp_path / data["logo"])
    path = tmp_path / "out.pdf"
    path.write_bytes(build(Request("gbs", "letter", clinic=write_profile(tmp_path, data))).data)
    with pikepdf.open(path) as pdf:
        alts = [str(e.get("/Alt", "")) for e in _elements(pdf) if e.S == "/Figure"]
    assert data["department"] in alts


@pytest.mark.parametrize("layout", ["letter", "a4", "large-print"])
def test_tagged_files_say_pdf_1_7(layout: str) -> None:
    """PDF/UA-1 builds on PDF 1.7: the header of every tagged file says so, as pikepdf reads it."""
    data = build(Request("gbs", layout)).data
    assert data.startswith(b"%PDF-1.7\n")
    with pikepdf.open(BytesIO(data)) as pdf:
        assert pdf.pdf_version == "1.7" and "/StructTreeRoot" in pdf.Root


def test_print_run_title_names_the_run_not_a_patient() -> None:
    """A print run's title (shown as the window title) names the run: its layout and handout count."""
    from ivig_handout.export.impose import combine, run_title

    members = [build(Request(d, "letter")).data for d in ("gbs", "mg")]
    data, _ = combine([m for m in members for _ in range(10)], pad_to_even=True, title=run_title("letter", 20))
    with pikepdf.open(BytesIO(data)) as pdf:
        assert str(pdf.docinfo.Title) == "Print run: letter, 20 handouts"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    assert run_title("a4", 1) == "Print run: a4, 1 handout"
