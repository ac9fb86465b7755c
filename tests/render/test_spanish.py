"""The Spanish draft pack printed (issue 23): every Spanish label on the page (read back with pypdf),
no English label left, the draft band on every page as tagged content, the pack's language in the
PDF, and the 2023 statement's citation on every handout of every pack."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pdfua import validate

from ivig_handout.api import Request, build, documents, make, render_pages
from ivig_handout.design.layouts import get_layout
from ivig_handout.errors import TooLongError
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import Handout, Labels
from ivig_handout.inputs.patient import Patient
from ivig_handout.inputs.profile import load_clinic
from ivig_handout.inputs.template import fill

from .test_clinic import flat, write_profile
from .test_tagging import struct_text

ES = Path("es")
CITATION = ("Tavee J, Brannagan TH 3rd, Lenihan MW, Muppidi S, Kellermeyer L, Donofrio PD. Updated consensus "
            "statement: Intravenous immunoglobulin in the treatment of neuromuscular disorders report of the AANEM "
            "ad hoc committee. Muscle & Nerve 2023. doi:10.1002/mus.27922.")
PHONE, URL = "(217) 555-0142", "https://clinic.example/ivig/{id}"
NOT_PRINTED = {"document_author", "document_subject", "document_keywords", "logo_alt", "qr_alt", "link_alt",
               "continued", "online"}  # metadata and alternative text (checked below); "(continued)": only in a split box;
# online: the online copy's words (tests/online/test_site_languages.py)


@pytest.fixture(scope="module")
def spanish() -> Handout:
    return load_handout(ES)


@pytest.fixture(scope="module")
def printed(spanish: Handout, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The Spanish full sheet with a clinic profile and a patient (every clinic label), and a one-pager."""
    folder = tmp_path_factory.mktemp("clinic")
    clinic = load_clinic(write_profile(folder, {"name": "Clínica Sol", "phone": PHONE, "note": "Traiga sus medicinas.",
                                                "qr_url": URL, "prepared_for": "yes", "notes_box": "yes"}))
    full = make(spanish, "full", get_layout("letter"), clinic, Patient("Ana Lima", "1 de diciembre de 2026"))
    lems = make(spanish, "lems", get_layout("letter"))
    return {"full": full.data, "lems": lems.data}


def labels_as_printed(labels: Labels, handout: Handout, pages: int) -> dict[str, str]:
    """Each printed label of ``labels``, its placeholders filled as the Spanish handouts fill them."""
    pack = handout.pack
    assert pack is not None and pack.translated_from is not None
    lems = next(d for d, _ in handout.disorders() if d.id == "lems")
    values: dict[str, Any] = {"year": 2012, "page": 1, "pages": pages, "phone": PHONE, "name": lems.label,
                              "title": pack.translated_from.title, "edition": pack.translated_from.edition}
    out: dict[str, str] = {}
    for key, value in labels.model_dump().items():
        if key in NOT_PRINTED:
            continue
        for sub, text in (value.items() if isinstance(value, dict) else [("", value)]):
            out[f"{key}.{sub}".rstrip(".")] = fill(text, **values).replace("\xa0", " ")
    return out


def test_every_spanish_label_is_printed(spanish: Handout, printed: dict[str, bytes]) -> None:
    text = flat(printed["full"]) + " " + flat(printed["lems"])
    pages = len(pikepdf.open(BytesIO(printed["full"])).pages)
    wanted = labels_as_printed(spanish.labels, spanish, pages)
    missing = {k: v for k, v in wanted.items() if v not in text}
    assert not missing, missing
    assert len(wanted) >= 24  # ratings, headings, notice, citation, band, footer, one-pager and clinic words


def test_no_english_label_remains_on_a_spanish_handout(spanish: Handout, printed: dict[str, bytes]) -> None:
    text = flat(printed["full"]) + " " + flat(printed["lems"])
    pages = len(pikepdf.open(BytesIO(printed["full"])).pages)
    ours = labels_as_printed(spanish.labels, spanish, pages)
    theirs = labels_as_printed(load_handout().labels, spanish, pages)
    english = {k: v for k, v in theirs.items() if v != ours[k] and k != "draft_band"}  # the band says both
    assert len(english) >= 23  # all but the words both languages share (IVIg)
    left = {k: v for k, v in english.items() if v in text}
    assert not left, left
    for word in ("Page 1 of", "Prepared for", "Evidence at a glance", "Strong evidence", "Please note", "Source:"):
        assert word not in text, word


def test_the_pdf_says_spanish(spanish: Handout, printed: dict[str, bytes]) -> None:
    with pikepdf.open(BytesIO(printed["full"])) as pdf:
        assert str(pdf.Root.Lang) == "es-US"
        assert str(pdf.docinfo["/Subject"]) == " ".join(spanish.labels.document_subject.split())
        alts = [str(e.Alt) for e in _elements(pdf) if "/Alt" in e]
    assert fill(spanish.labels.qr_alt, url=URL.format(id="full")) in alts and not any("QR code" in a for a in alts)


def test_the_draft_band_is_on_every_page_and_tagged(spanish: Handout, printed: dict[str, bytes],
                                                    tmp_path: Path) -> None:
    band = spanish.band
    assert band.startswith("Borrador de traducción, sin revisar: no entregar a pacientes / Draft translation")
    for name, data in printed.items():
        pages = [" ".join((p.extract_text() or "").split()) for p in _pages(data)]
        assert pages and all(band in p for p in pages), name
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        shown, tree_text = struct_text(path)
        assert tree_text.count(band) == len(pages), name  # content in the structure tree, once per page
        assert shown.splitlines()[1].strip() == "P (block)", shown[:200]  # page 1's band read first
        report = validate(str(path))
        assert not report.findings, [(f.rule_id, f.message) for f in report.findings]


def test_an_english_handout_has_no_band(pdf_of) -> None:  # type: ignore[no-untyped-def]
    text = flat(pdf_of("lems", "letter"))
    assert "Draft translation" not in text and "Borrador" not in text


def test_the_band_goes_on_print_sheets_too() -> None:
    """A booklet's every page (imposed two to a side) carries it as well."""
    logical = render_pages(Request("full", "booklet", content=ES)).pages
    data = build(Request("full", "booklet", content=ES)).data
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in _pages(data))
    assert logical >= 4 and text.count("Borrador de traducción") == logical


@pytest.mark.parametrize("pack", [None, ES], ids=["en", "es"])
def test_the_newer_statement_is_cited_on_every_handout(pack: Path | None) -> None:
    """Every document of every shipped pack cites the 2023 statement beside the retired 2012 guideline
    (a Spanish one-pager too long for Letter as yet is read on large-print A4: see docs/languages.md)."""
    handout = load_handout(pack)
    for doc in documents(pack):
        try:
            data = make(handout, doc, get_layout("letter")).data
        except TooLongError:
            assert pack == ES, doc
            data = make(handout, doc, get_layout("large-print-a4")).data
        text = flat(data)
        assert CITATION in text, doc
        assert "Patwa HS et al." in text and handout.sheet.source.status.split(";")[0] in text, doc


def _pages(data: bytes) -> list[Any]:
    from pypdf import PdfReader

    return list(PdfReader(BytesIO(data)).pages)


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []

    def walk(node: pikepdf.Object) -> None:
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append(kid)
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return found
