"""Issue 23: the online copy's own words (skip link, "All handouts", "Print or save", the layouts' names,
the footer) come from the pack's labels.yaml (``online:``), so a Spanish pack makes a Spanish site with no
English word of the site's left; ``site`` refuses a draft translation without --allow-draft, like print
and serve; a translation lacking one of these words is a located error.

The Spanish site's PDFs wait for flexible fitting (the Spanish GBS, CIDP, MG and MMN one-pagers do not fit
one page yet), so the words are read from api.online_site's pages, which renders no PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ivig_handout.api import content, online_site
from ivig_handout.resources import default_content_dir

from ..conftest import edit
from ..inputs.common import one_error, run_cli

ENGLISH_WORDS = ("Skip to the handout", "All handouts", "Print or save", "The same handout as a PDF to print:",
                 "US Letter", "Large print (US Letter)", "Content reviewed", ">Edition ", "Source:")


def _words(pack: Path | None) -> list[str]:
    w = content(pack).labels.online
    return [w.skip, w.all_handouts, w.handouts, w.downloads, w.downloads_intro, f"({w.pdf})", w.edition, w.source,
            w.reviewed, w.layouts.letter, w.layouts.a4, w.layouts.large_print]


def test_the_spanish_site_is_in_spanish() -> None:
    made = online_site(Path("es"))
    page = made.files["lems.html"].decode()
    for word in _words(Path("es")):
        assert word in page, word
    assert '<html lang="es-US">' in page and '<a class="skip" href="#main">Ir al folleto</a>' in page
    assert '<h2 id="downloads">Imprimir o guardar</h2>' in page and "Letra grande (Carta, EE. UU.) (PDF)" in page
    for english in ENGLISH_WORDS:
        assert english not in page, english
    assert re.search(r"<h2>Folletos</h2>", made.files["index.html"].decode())


def test_the_english_site_keeps_its_words() -> None:
    page = online_site().files["lems.html"].decode()
    for word in _words(None):
        assert word in page, word
    assert "Ir al folleto" not in page


def test_site_refuses_a_draft_without_allow_draft(tmp_path: Path) -> None:
    out = tmp_path / "site"
    line = one_error(*run_cli("site", "--content", "es", "--out-dir", str(out))[::2])
    assert line.startswith("error: content/es: is a draft translation") and "--allow-draft" in line
    assert not out.exists()


def test_a_translation_lacking_a_site_word_says_which_and_where(tmp_path: Path) -> None:
    both = tmp_path / "content"
    shutil.copytree(default_content_dir(), both)
    edit(both / "es", "labels.yaml", "  skip: Ir al folleto\n", "")
    line = one_error(*run_cli("list", "--content", str(both / "es"))[::2])
    assert line.startswith(f"error: {both}/es/labels.yaml:") and "online.skip: required field is missing" in line
