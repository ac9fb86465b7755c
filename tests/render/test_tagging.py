"""Tagged, accessible PDF (PDF/UA-1): every letter, a4 and large-print document is tagged while it is
drawn, and read back here: the `pdfua` checker, a structure check of our own (pikepdf), the reading
order of the structure tree (poppler's `pdfinfo -struct-text`), and the pages unchanged in ink."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from pdfua import validate

from ivig_handout.api import Request, build, render_pages
from ivig_handout.design.layouts import get_layout
from ivig_handout.inputs.model import Handout
from ivig_handout.inputs.patient import Patient
from ivig_handout.plan.kinds import resolve
from ivig_handout.plan.profile import apply
from ivig_handout.render.fit import fit

from ..pdfcheck import squash
from .test_clinic import EXAMPLE, _one_pager_text_is_all_there
from .test_full_sheet import corrected_source, source_sentences

ANA = Patient("Ana Lima", "2026-12-01")
# (document, layout, mono, clinic profile, patient)
CASES = [
    ("full", "letter", False, None, None),
    ("full", "a4", True, None, None),
    ("full", "large-print", False, None, None),
    ("full", "letter", False, EXAMPLE, ANA),
    ("full", "large-print-a4", True, EXAMPLE, None),
    ("gbs", "letter", False, None, None),
    ("gbs", "a4", True, None, None),
    ("gbs", "letter", False, EXAMPLE, None),
    ("cidp", "a4", False, EXAMPLE, ANA),
    ("gbs", "large-print", False, EXAMPLE, ANA),
    ("mmn", "large-print-a4", True, None, None),
    ("dermatomyositis", "letter", True, EXAMPLE, ANA),
]
PAINTING = {"Tj", "TJ", "'", '"', "Do", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "BI"}
_made: dict[int, bytes] = {}


def _id(case: tuple[object, ...]) -> str:
    doc, layout, mono, clinic, who = case
    return "-".join(filter(None, [str(doc), str(layout), "mono" if mono else "", "clinic" if clinic else "",
                                  "patient" if who else ""]))


@pytest.fixture(scope="module", params=CASES, ids=_id)
def tagged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple, Path]:  # type: ignore[type-arg]
    doc, layout, mono, clinic, who = request.param
    data = build(Request(doc, layout, mono=mono, clinic=clinic, patient=who)).data
    path = tmp_path_factory.mktemp("tagged") / f"{_id(request.param)}.pdf"
    path.write_bytes(data)
    return request.param, path


def test_pdfua_checker_passes(tagged: tuple[tuple, Path]) -> None:  # type: ignore[type-arg]
    report = validate(str(tagged[1]))
    assert not report.findings, [(f.rule_id, f.message) for f in report.findings]
    assert not report.skipped, [(o.rule_id, o.skipped_reason) for o in report.skipped]
    assert len(report.outcomes) >= 10


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element, in tree order."""
    out: list[pikepdf.Dictionary] = []

    def walk(node: pikepdf.Object) -> None:
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
                out.append(kid)
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return out


def _marked_content(page: pikepdf.Page) -> tuple[list[str], set[int]]:
    """The painting operators outside any MCID or Artifact sequence, and the page's MCIDs."""
    stack: list[str] = []
    unmarked: list[str] = []
    mcids: set[int] = set()
    for operands, op in pikepdf.parse_content_stream(page):
        name = str(op)
        if name in ("BDC", "BMC"):
            tag = str(operands[0])
            props = operands[1] if name == "BDC" else None
            if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                mcids.add(int(props.MCID))
                stack.append("mcid")
            else:
                stack.append("artifact" if tag == "/Artifact" else "other")
        elif name == "EMC":
            assert stack, "EMC without BDC/BMC"
            stack.pop()
        elif (name in PAINTING or name == "INLINE IMAGE") and not ({"mcid", "artifact"} & set(stack)):
            unmarked.append(name)
    assert not stack, "a marked-content sequence is left open at the end of the page"
    return unmarked, mcids


def test_structure_of_our_own(tagged: tuple[tuple, Path]) -> None:  # type: ignore[type-arg]
    (doc, _layout, _mono, clinic, _who), path = tagged
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en-US" and root.ViewerPreferences.DisplayDocTitle is True
        meta = bytes(root.Metadata.read_bytes()).decode()
        assert "<pdfuaid:part>1</pdfuaid:part>" in meta and str(pdf.docinfo.Title) in meta
        parent_tree = root.StructTreeRoot.ParentTree.Nums
        by_key = {int(parent_tree[i]): parent_tree[i + 1] for i in range(0, len(parent_tree), 2)}
        for page in pdf.pages:
            unmarked, mcids = _marked_content(page)
            assert not unmarked, f"unmarked painting operators: {unmarked[:10]}"
            assert mcids, "a page with no tagged content"
            entries = by_key[int(page.StructParents)]
            assert len(entries) == len(mcids) == max(mcids) + 1  # every MCID in the ParentTree
            for mcid in mcids:  # ...and its element really holds it on this page
                element = entries[mcid]
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                assert any(k == mcid and element.Pg.objgen == page.objgen
                           or isinstance(k, pikepdf.Dictionary) and k.get("/MCID") == mcid
                           and k.Pg.objgen == page.objgen for k in kids)
        elements = _elements(pdf)
        roles = [str(e.S) for e in elements]
        assert roles[0] == "/Document"
        levels = [int(r[2:]) for r in roles if re.fullmatch(r"/H\d", r)]
        assert levels[0] == 1 and levels.count(1) == 1
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, f"heading level skipped: H{before} then H{after}"
        figures = [e for e in elements if e.S == "/Figure"]
        assert figures and all(str(e.get("/Alt", "")).strip() for e in figures)
        alts = {str(e.Alt) for e in figures}
        assert {"Strong evidence"} <= alts or doc != "full"
        if clinic is not None:  # the logo beside the printed name is an artifact: no alt text repeats the name
            assert not any("Clínica São José" in a for a in alts)
            assert any(a.startswith("QR code: https://clinica-saojose.example/ivig/") for a in alts)
        if doc == "full":
            table = next(e for e in elements if e.S == "/Table")
            rows = list(table.K)
            assert len(rows) >= 5 and all(r.S == "/TR" for r in rows)
            assert all(r.K[0].S == "/TH" and r.K[0].A.Scope == "/Row" and r.K[1].S == "/TD" for r in rows)
            assert "/L" in roles and "/LI" in roles and "/LBody" in roles
        for annot in (a for page in pdf.pages for a in page.get("/Annots", [])):
            if annot.Subtype == "/Link":
                assert "/StructParent" in annot and str(annot.Contents)


def struct_text(path: Path) -> tuple[str, str]:
    """poppler's `pdfinfo -struct-text`: the tree as it prints it, and the text in tree order."""
    shown = subprocess.run(["pdfinfo", "-struct-text", str(path)], check=True, capture_output=True,
                           text=True).stdout
    text = " ".join(m.group(1) for m in re.finditer(r'^\s*"(.*)"$', shown, re.M))
    return shown, squash(text)


def test_reading_order_of_the_structure_tree(tagged: tuple[tuple, Path], handout: Handout,
                                             source_text: str) -> None:  # type: ignore[type-arg]
    (doc, *_), path = tagged
    shown, text = struct_text(path)
    assert shown.startswith("Document\n") and "  H1 (block)\n" in shown and "Figure" in shown
    assert "byinjection" not in text and "given by injection" in text  # the space at each line wrap kept
    if doc == "full":
        cursor = 0
        for sentence in source_sentences(corrected_source(source_text, handout)):
            found = text.find(squash(sentence), cursor)
            assert found >= 0, f"missing or out of order: {sentence!r}"
            cursor = found + 1
    else:
        _one_pager_text_is_all_there(handout, source_text, doc, text)
    assert "Page 1 of" not in text and "(continued)" not in text  # footers and continued headings: artefacts


def test_split_paragraph_is_one_element() -> None:
    """A paragraph that runs on to the next page (large print) is one P with marks on two pages."""
    data = build(Request("full", "large-print", clinic=EXAMPLE)).data
    with pikepdf.open(BytesIO(data)) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
        spans = []
        for e in _elements(pdf):
            kids = e.K if isinstance(e.K, pikepdf.Array) else [e.K]
            on = {pages[e.Pg.objgen]} if "/Pg" in e else set()
            on |= {pages[k.Pg.objgen] for k in kids if isinstance(k, pikepdf.Dictionary) and "/Pg" in k}
            spans.append((str(e.S), on))
    assert any(role in ("/P", "/LBody") and len(on) == 2 for role, on in spans)


def test_print_sheets_claim_no_pdfua() -> None:
    for layout in ("booklet", "2up"):
        data = build(Request("gbs", layout)).data
        with pikepdf.open(BytesIO(data)) as pdf:
            assert "/StructTreeRoot" not in pdf.Root
            assert "pdfuaid" not in (bytes(pdf.Root.Metadata.read_bytes()).decode() if "/Metadata" in pdf.Root else "")


def _pixels(data: bytes, folder: Path) -> list[bytes]:
    """Each page rendered by poppler at 50 dpi (PPM bytes)."""
    folder.mkdir()
    (folder / "in.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "50", str(folder / "in.pdf"), str(folder / "page")], check=True)
    return [p.read_bytes() for p in sorted(folder.glob("page*.ppm"))]


@pytest.mark.parametrize(("doc", "layout", "clinic"), [("full", "letter", None), ("gbs", "a4", EXAMPLE),
                                                      ("cidp", "large-print", EXAMPLE)])
def test_tagging_adds_no_ink(handout: Handout, doc: str, layout: str, clinic: Path | None, tmp_path: Path) -> None:
    """The tagged PDF and the renderer's own bytes (before the structure is written) look the same."""
    from ivig_handout.inputs.profile import load_clinic

    tagged_data = build(Request(doc, layout, clinic=clinic, patient=ANA)).data
    found, doc_id = resolve(handout, doc)
    plan = apply(found.plan(handout, doc_id), load_clinic(clinic) if clinic else None, ANA, handout.labels.clinic)
    untagged = fit(plan, found, get_layout(layout)).data
    assert b"StructTreeRoot" not in untagged
    pages = _pixels(tagged_data, tmp_path / "tagged")
    assert pages and pages == _pixels(untagged, tmp_path / "untagged")
    assert render_pages(Request(doc, layout, clinic=clinic, patient=ANA)).data == tagged_data


def test_the_checks_find_an_untagged_pdf(tmp_path: Path) -> None:
    """The same checks on a print sheet (not tagged): pdfua reports it, and our own check finds its
    unmarked drawing (so a tagged output passing them means something)."""
    path = tmp_path / "booklet.pdf"
    path.write_bytes(build(Request("gbs", "booklet")).data)
    assert {"UA-01-005", "UA-01-002", "UA-28-004"} <= {f.rule_id for f in validate(str(path)).findings}
    with pikepdf.open(path) as pdf:
        unmarked = [op for page in pdf.pages for op in _marked_content(page)[0]]
    assert "Do" in unmarked  # each logical page placed as a form, outside any marked content
