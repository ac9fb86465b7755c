"""The preview's thumbnails (issue 25): a personalised page is drawn only down to the rows its name and
date can reach, over its page design's thumbnail kept from an earlier preview, and only its changed
bands compressed anew; the PNG still shows exactly the page drawn whole, and what is kept across
previews is the design's, never a name."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from PIL import Image

from ivig_handout.api import Request, build, patient, template_for
from ivig_handout.apps.web import previews
from ivig_handout.inputs.patient import LIMITS

from .conftest import NAME, Page, handout_form

CASES = [  # (form fields, the api request the page makes of them)
    ({}, ("mg", "letter", NAME)),
    ({"patient_name": "Bo Wu"}, ("mg", "letter", "Bo Wu")),  # the same design, another name after it
    ({"patient_name": "Nguyễn Thị Minh Khai", "layout": "a4"}, ("mg", "a4", "Nguyễn Thị Minh Khai")),
    ({"handout": "full"}, ("full", "letter", NAME)),
    ({"handout": "Chronic inflammatory demyelinating polyneuropathy (CIDP)", "layout": "large-print"},
     ("cidp", "large-print", NAME)),
]


def _whole(data: bytes, number: int, width: int) -> bytes:
    """Page ``number`` drawn whole by PDFium, as RGB pixels (the thumbnail as it was made before)."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        page = pdf[number - 1]
        return bytes(page.render(scale=width / page.get_width()).to_pil().convert("RGB").tobytes())
    finally:
        pdf.close()


def _pixels(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGB"
    return image.tobytes()


@pytest.mark.parametrize(("fields", "made"), CASES)
def test_every_thumbnail_shows_the_page_drawn_whole(page_client: Page, fields: dict[str, str],
                                                     made: tuple[str, str, str]) -> None:
    """Each page, 1x and 2x, twice over (the design kept by the first preview serves the second)."""
    doc, layout, name = made
    data = build(Request(doc, layout, patient=patient(name, "1 December 2026"))).data
    for _ in range(2):
        answer = page_client.post("/preview", handout_form(**fields), htmx=True)
        pages = int(re.search(r'alt="Page 1 of (\d+)"', answer.text).group(1))
        token = re.search(r'<img src="/preview/([A-Za-z0-9_-]+)/1\.png"', answer.text).group(1)
        for number in range(1, pages + 1):
            for suffix, width in ((".png", 420), ("@2x.png", 840)):
                image = page_client.client.get(f"/preview/{token}/{number}{suffix}")
                assert _pixels(image.data) == _whole(data, number, width), (number, width)


def test_the_kept_design_is_the_page_without_the_name(page_client: Page) -> None:
    """What outlives a preview is the thumbnail of the page design ("Prepared for" left blank) and the
    rows a probe reaches, not the patient's page; the name's rows are drawn for each preview."""
    previews._KEPT.clear()
    answer = page_client.post("/preview", handout_form(), htmx=True)
    src = re.search(r'<img src="(/preview/[A-Za-z0-9_-]+/1\.png)"', answer.text).group(1)
    shown = _pixels(page_client.client.get(src).data)
    request = Request("mg", "letter", patient=patient(NAME, "1 December 2026"))
    design = template_for(request).data
    assert NAME.encode() not in design
    (kept,) = [bands for bands in previews._KEPT.values() if bands is not None]
    rows = b"".join(row[1:] for row in kept.rows)
    assert rows == _whole(design, 1, 420) != shown  # the design's pixels, not the preview's
    assert 0 < kept.changed < kept.size[1] // 2  # the name's line is near the top: the rest is kept


def test_a_name_rendered_in_full_draws_the_whole_page(page_client: Page) -> None:
    """A name that does not fit its slot moves the page: no design serves it, and its thumbnail is the
    page drawn whole."""
    wide = ("Maria da Conceição Albuquerque Nascimento de Oliveira Santos Lima" * 2)[:LIMITS["patient_name"]].strip()
    request = Request("cidp", "letter", patient=patient(wide, "1 December 2026"))
    result = build(request)
    assert previews.design_of(request, result) is None
    cidp = "Chronic inflammatory demyelinating polyneuropathy (CIDP)"
    answer = page_client.post("/preview", handout_form(handout=cidp, patient_name=wide), htmx=True)
    src = re.search(r'<img src="(/preview/[A-Za-z0-9_-]+/1\.png)"', answer.text).group(1)
    assert _pixels(page_client.client.get(src).data) == _whole(result.data, 1, 420)
