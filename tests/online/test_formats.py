"""Formats are data (issue 22): a Request names its format from the registry (design/formats.py); the
Result carries the bytes and their media type. ``html`` is the document's page of the online copy, byte
for byte what ``ivig-handout site`` writes; an unknown format is one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivig_handout import api
from ivig_handout.api import FORMATS, Patient, Request
from ivig_handout.errors import ContentError, NotFoundError

from ..render.test_clinic import EXAMPLE


@pytest.mark.parametrize("doc", ["full", "gbs", "mmn"])
def test_html_is_the_page_the_site_writes(plain_site: Path, doc: str) -> None:
    made = api.build(Request(doc, format="html"))
    assert made.media_type == "text/html; charset=utf-8"
    assert made.data == (plain_site / made.file_name).read_bytes()
    assert made.data.decode().lower().startswith("<!doctype html>")
    assert made.document == doc and not made.personal


def test_html_with_a_clinic_is_its_online_site_page() -> None:
    made = api.build(Request("gbs", clinic=EXAMPLE, format="html"))
    site = api.online_site(clinic=EXAMPLE)
    assert made.data == site.files[site.pages["gbs"]] and made.file_name == site.pages["gbs"]


def test_pdf_is_the_default_and_data_is_its_bytes() -> None:
    made = api.build(Request("gbs"))
    assert made.media_type == "application/pdf" == FORMATS["pdf"].media_type
    assert made.data.startswith(b"%PDF-")
    assert api.build(Request("gbs", format="pdf")).data == made.data


def test_an_unknown_format_is_one_line_naming_the_field() -> None:
    with pytest.raises(NotFoundError) as error:
        api.build(Request("gbs", format="docx"))
    assert str(error.value) == "format: unknown 'docx' (choose from pdf, html)"


def test_the_online_page_never_takes_a_patient() -> None:
    with pytest.raises(ContentError) as error:
        api.build(Request("gbs", patient=Patient("Ada Lovelace"), format="html"))
    assert str(error.value).startswith("format: the online copy's page is for everyone")
    assert "Ada" not in str(error.value)


def test_every_format_has_a_maker() -> None:
    assert set(FORMATS) == set(api._MAKERS)  # noqa: SLF001 - the registry and the api agree
