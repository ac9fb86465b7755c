"""Online stage, words: the few words the site adds around the plan's come from the content pack's
labels.yaml (``online:``), like every printed word; the English pack's are the default."""

from __future__ import annotations

from ..inputs.model import LayoutWords, OnlineLabels

ENGLISH = OnlineLabels(skip="Skip to the handout", all_handouts="All handouts", handouts="Handouts",
                       downloads="Print or save", downloads_intro="The same handout as a PDF to print:", pdf="PDF",
                       edition="Edition", source="Source", reviewed="Content reviewed", greyscale="greyscale",
                       layouts=LayoutWords(letter="US Letter", a4="A4", large_print="Large print (US Letter)"))


def layout_label(words: OnlineLabels, name: str, paper: str, mono: bool) -> str:
    """A layout's name beside a PDF link (``US Letter``, ``A4, greyscale``); its paper if it has none."""
    label = {"letter": words.layouts.letter, "a4": words.layouts.a4,
             "large-print": words.layouts.large_print}.get(name.removesuffix("-mono"), paper)
    return f"{label}, {words.greyscale}" if mono else label
