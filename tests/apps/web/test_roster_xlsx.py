"""The page's roster upload with hostile or malformed spreadsheets (issue 19, defects 1, 2 and 6): the
located message on the page (422), never a 500, and the page answers at once."""

from __future__ import annotations

import html
import io
import re

import pytest

from tests.inputs.common import deadline
from tests.inputs.xlsxfiles import ANN, HEADER, bomb, hostile, matches, row, sheet, workbook

from .conftest import Page

CASES = ("date-text", "bad-reference", "shared-index", "unclosed", "xxe", "billion-laughs")


def _upload(page: Page, data: bytes) -> tuple[int, list[str]]:
    with deadline(30):  # a page that would spin on the file fails here instead of hanging the suite
        answer = page.post("/roster", {"layout": "letter", "roster": (io.BytesIO(data), "today.xlsx")}, htmx=True,
                           content_type="multipart/form-data")
    return answer.status_code, [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", answer.text, flags=re.S)]


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_workbook_is_a_located_message(page_client: Page, case: str) -> None:
    data, expected = hostile()[case]
    status, messages = _upload(page_client, data)
    said = messages[0].removeprefix("The file cannot be read as a roster: ").removesuffix(".")
    assert status == 422 and len(messages) == 1 and matches(said, expected), (status, messages)


def test_the_issues_dimension_and_zip_bomb_files(page_client: Page) -> None:
    far_cell = row(1048576, '<c r="XFD1048576"><v>1</v></c>')
    status, messages = _upload(page_client, workbook(sheet(HEADER + ANN + far_cell,
                                                           head='<dimension ref="A1:XFD1048576"/>')))
    assert status == 200 and messages == [  # the good row (Ann) goes ahead; the far row's problems, in the desk's words
        "Line 1048576: Column 16384 has a value but no name in the header row; name the column or clear the cell.",
        "Line 1048576: the patient’s name is empty. Every row needs the patient’s name.",
        "Line 1048576: the disorder is empty. Write the disorder, for example “CIDP”."]
    status, messages = _upload(page_client, bomb(400_000_000))
    assert status == 422 and messages == [
        ("The file cannot be read as a roster: xl/worksheets/sheet1.xml says it unpacks to 400,000,406 bytes; the "
         "limit is 8,388,608 (a roster needs far less: keep only the roster in the workbook, or save it as "
         "'CSV UTF-8').")]
    assert page_client.client.get("/").status_code == 200
