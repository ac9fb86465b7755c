"""Online stage, page: one document's plan blocks as semantic HTML5, in the plan's order and words.
Every text is escaped; headings never skip a level; the badges are words with a meter; the side-effect
box is an aside. Never a patient: the "Prepared for" line and the notes box to write in are not
online (the plan is made without a patient; those two blocks are left out)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Any

from ..inputs.model import OnlineLabels
from ..plan import blocks as p
from .names import INDEX, STYLESHEET
from .words import ENGLISH

STEPS = {"strong": 3, "moderate": 2, "weak": 1, "insufficient": 0}
OFFLINE = (p.PreparedFor, p.NotesBox)  # paper only: blanks to write on


def text(value: str) -> str:
    """``value`` as HTML text (every ``&``, ``<``, ``>`` and quote escaped)."""
    return escape(value, quote=True)


@dataclass(frozen=True)
class Frame:
    """What every page carries around the document: its language, the site's title, the footer's
    edition, source and dates, the downloads beside it, and the clinic's logo file (if any)."""

    lang: str
    site_title: str
    edition: str
    source: str
    reviewed: str
    downloads: tuple[tuple[str, str], ...] = ()  # (file name, label)
    logo: str | None = None
    index: bool = False  # the index page itself: no "All handouts" link
    words: OnlineLabels = ENGLISH  # the pack's words around the page (labels.yaml online:)


@dataclass
class Writer:
    """Writes one page: heading levels follow the plan's, without skips; ids are numbered per page."""

    plan: p.DocumentPlan
    out: list[str] = field(default_factory=list)
    level: int = 1  # the last heading's level (the title is the one h1)
    ids: int = 0
    top: int = field(init=False)  # the plan's highest heading level: its headings become h2

    def __post_init__(self) -> None:
        self.top = min((b.level for b in _flat(self.plan.blocks) if isinstance(b, p.Heading)), default=1)

    def new_id(self, prefix: str) -> str:
        self.ids += 1
        return f"{prefix}{self.ids}"

    def heading(self, value: str, level: int, attrs: str = "") -> str:
        """An ``<hN>``: at most one level below the last heading, never the h1 again."""
        n = max(2, min(level, self.level + 1))
        self.level = n
        return f"<h{n}{attrs}>{text(value)}</h{n}>"

    def badge(self, rating: str) -> str:
        word_id = self.new_id("r")
        word = self.plan.ratings[rating]
        step = STEPS[rating]  # a meter's colour: 3 optimum, 2 suboptimal, 1 less good (low and high between)
        meter = (f'<meter min="0" max="3" low="1.5" high="2.5" optimum="3" value="{step}" '
                 f'aria-labelledby="{word_id}">{step}/3</meter>')
        return f'<p class="badge badge-{rating}">{meter} <span id="{word_id}">{text(word)}</span></p>'

    def blocks(self, items: tuple[p.Block, ...]) -> None:
        for block in items:
            if not isinstance(block, OFFLINE):
                BLOCKS[type(block)](self, block)


def _flat(items: tuple[p.Block, ...]) -> Iterator[p.Block]:
    for block in items:
        yield from _flat(block.blocks) if isinstance(block, p.Columns) else (block,)


def _title(w: Writer, b: p.Title) -> None:
    w.out.append(f"<h1>{text(b.text)}</h1>")
    if b.badge:
        w.out.append(w.badge(b.badge))


def _heading(w: Writer, b: p.Heading) -> None:
    w.out.append(w.heading(b.text, b.level - w.top + 2))
    if b.badge:
        w.out.append(w.badge(b.badge))


def _para(w: Writer, b: p.Para) -> None:
    w.out.append(f'<p class="{b.style}">{text(b.text)}</p>' if b.style != "body" else f"<p>{text(b.text)}</p>")


def _list(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{text(i)}</li>" for i in items) + "</ul>"


def _bullets(w: Writer, b: p.Bullets) -> None:
    w.out.append(_list(b.items))


def _glance(w: Writer, b: p.Glance) -> None:
    head = w.new_id("g")
    rows = "".join(f'<tr><th scope="row">{text(label)}</th><td>{w.badge(rating)}</td></tr>' for label, rating in b.rows)
    title = w.heading(b.heading, 2, f' id="{head}"')
    w.out.append(f'<section class="glance" aria-labelledby="{head}">{title}'
                 f"<p>{text(b.intro)}</p><table>{rows}</table></section>")


def _boxed(w: Writer, tag: str, cls: str, heading: str, inner: list[str]) -> None:
    head = w.new_id("b")
    level = w.level
    title = w.heading(heading, 2, f' id="{head}"')
    w.out.append(f'<{tag} class="{cls}" aria-labelledby="{head}">{title}{"".join(inner)}</{tag}>')
    w.level = min(w.level, level)


def _side_effects(w: Writer, b: p.SideEffectBox) -> None:
    _boxed(w, "aside", "box", b.heading, [f"<p>{text(b.intro)}</p>", _list(b.items),
                                          *(f"<p>{text(x)}</p>" for x in b.after)])


def _notice(w: Writer, b: p.Notice) -> None:
    if b.clinic_note is not None:
        _boxed(w, "section", "note", b.clinic_note.heading, [f"<p>{text(x)}</p>" for x in b.clinic_note.note])
    _boxed(w, "section", "notice", b.heading, [f"<p>{text(b.text)}</p>"])


def _source(w: Writer, b: p.SourceLine) -> None:
    lines = [f"{b.label} {b.lines[0]}", *b.lines[1:]]
    w.out.append('<div class="source">' + "".join(f'<p class="small">{text(x)}</p>' for x in lines) + "</div>")


def _disclaimer(w: Writer, b: p.Disclaimer) -> None:
    w.out.append(f'<p class="small disclaimer">{text(b.text)}</p>')


def _clinic_contact(w: Writer, b: p.ClinicContact) -> None:
    if b.questions:
        w.out.append(f'<p class="questions">{text(b.questions)}</p>')
    if b.note:
        _boxed(w, "section", "note", b.note_heading, [f"<p>{text(x)}</p>" for x in b.note])


def _columns(w: Writer, b: p.Columns) -> None:
    w.blocks(b.blocks)


def _header_only(w: Writer, b: Any) -> None:
    """The letterhead is the page's header (letterhead()), not part of the document's flow."""


BLOCKS: dict[type, Callable[[Writer, Any], None]] = {
    p.Title: _title, p.Heading: _heading, p.Para: _para, p.Bullets: _bullets, p.Glance: _glance,
    p.SideEffectBox: _side_effects, p.Notice: _notice, p.SourceLine: _source, p.Disclaimer: _disclaimer,
    p.ClinicContact: _clinic_contact, p.Columns: _columns, p.ClinicHeader: _header_only,
    p.ClinicBand: _header_only,
}


def letterhead(plan: p.DocumentPlan, frame: Frame) -> str:
    """The clinic's name, department, contact line and logo, from the plan's ClinicHeader (if any)."""
    head = next((b for b in plan.blocks if isinstance(b, p.ClinicHeader)), None)
    if head is None:
        return ""
    parts = []
    if head.logo and frame.logo:
        width, height = head.logo_pixels or (120, 40)
        parts.append(f'<img class="logo" src="{text(frame.logo)}" alt="" width="{width}" height="{height}">')
    parts += [f'<p class="clinic-name">{text(x)}</p>' for x in (head.name,) if x]
    parts += [f'<p class="department">{text(x)}</p>' for x in (head.department,) if x]
    if head.contact:
        parts.append(f'<p class="contact">{" · ".join(text(x) for x in head.contact)}</p>')
    return f'<div class="letterhead">{"".join(parts)}</div>'


def document(plan: p.DocumentPlan, frame: Frame) -> str:
    """The whole HTML page of ``plan``."""
    writer = Writer(plan)
    writer.blocks(plan.blocks)
    return page(plan.title, frame, "".join(writer.out), letterhead(plan, frame))


def page(title: str, frame: Frame, body: str, header: str = "") -> str:
    """An HTML5 page around ``body`` (the main content, its h1 first)."""
    link = f'<a href="{INDEX}">{text(frame.words.all_handouts)}</a>'
    nav = "" if frame.index else f'<nav aria-label="{text(frame.words.handouts)}">{link}</nav>'
    heading = f"{title} – {frame.site_title}" if not frame.index else title
    return "".join(_lines(heading, frame, body, header, nav)) + "\n"


def _lines(heading: str, frame: Frame, body: str, header: str, nav: str) -> Iterator[str]:
    yield f'<!DOCTYPE html>\n<html lang="{text(frame.lang)}">\n<head>\n<meta charset="utf-8">\n'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    yield '<meta name="referrer" content="no-referrer">\n'
    yield f"<title>{text(heading)}</title>\n"
    yield f'<link rel="stylesheet" href="{STYLESHEET}">\n</head>\n<body>\n'
    yield f'<a class="skip" href="#main">{text(frame.words.skip)}</a>\n'
    if header or nav:
        yield f"<header>{header}{nav}</header>\n"
    yield f'<main id="main" tabindex="-1">\n{body}\n{_downloads(frame)}</main>\n'
    yield f"<footer>{_footer(frame)}</footer>\n</body>\n</html>"


def _downloads(frame: Frame) -> str:
    if not frame.downloads:
        return ""
    w = frame.words
    items = "".join(f'<li><a href="{text(name)}" type="application/pdf">{text(label)} ({text(w.pdf)})</a></li>'
                    for name, label in frame.downloads)
    return (f'<section class="downloads" aria-labelledby="downloads"><h2 id="downloads">{text(w.downloads)}</h2>'
            f"<p>{text(w.downloads_intro)}</p><ul>{items}</ul></section>\n")


def _footer(frame: Frame) -> str:
    w = frame.words
    return (f'<p>{text(w.edition)} {text(frame.edition)} · {text(w.source)}: {text(frame.source)} · '
            f'{text(w.reviewed)} <time datetime="{text(frame.reviewed)}">{text(frame.reviewed)}</time></p>')
