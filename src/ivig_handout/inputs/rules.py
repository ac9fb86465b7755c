"""Inputs stage, content rules: what a schema cannot say about a content pack. Every problem is
reported at once, each located (``file:line:col: path: message``).

Ids and names
    Every disorder id and alias (in the groups and in the list of other disorders alike) names one
    disorder: unique, compared case-insensitively, never a reserved word (RESERVED). Ids and aliases
    are lower-case letters, digits and dashes (model.ID_PATTERN), so they are safe in file names,
    at most model.MAX_ID characters.
    A one-pager's PDF is ``ivig-<id>-<layout>.pdf`` and the full sheet's
    ``ivig-information-sheet-<layout>.pdf``. So that no two documents can ever share a file name,
    whatever the layouts are called (``gbs-large-print`` on ``a4`` and ``gbs`` on ``large-print-a4``
    would), no id begins with another id and a dash, nor with ``information-sheet-``, nor is the
    start of ``information-sheet`` followed by a dash. (An id that merely ends like a layout name,
    such as ``gbs-a4``, is allowed when no id ``gbs`` exists: its names cannot clash.)
    Group ids are unique among groups (they name no document).
Search words
    What staff type to find a document (model.SearchWords; matched by inputs/search.py, ignoring case,
    accents, hyphens and spaces): each has a letter or digit, is given once per document, and never
    names another document (its id, an alias, its name or abbreviation), which would find that one.
Size
    The totals of model's size limits: disorders in all, the text a one-pager takes, the whole sheet.
Labels
    Each label of model.TEMPLATES holds only its own placeholders (template.problems).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from . import template
from .model import MAX_DISORDERS, MAX_ONE_PAGER, MAX_SHEET, NEWER_DOI, TEMPLATES, Disorder, Labels, Sheet
from .search import FULL, key
from .yamlio import Located, PathKey, format_path

FULL_SHEET_STEM = "information-sheet"  # plan.kinds.full_sheet names its PDFs ivig-information-sheet-<layout>.pdf

# Words that name something else wherever a document is asked for (tests/plan/test_kinds.py keeps
# this in step with plan.kinds and batch).
RESERVED = {
    "full": "it names the full sheet",
    "all": "it means every document in a batch job",
    FULL_SHEET_STEM: "the full sheet's PDFs are named ivig-information-sheet-<layout>.pdf",
    "print-run": "a batch names its print-run PDFs print-run-<layout>.pdf",
}


def sheet_problems(sheet: Sheet, located: Located) -> list[str]:
    """Ids and names, and the size totals, of a validated sheet."""
    names = _names(sheet, located)
    words = [] if names else _search_words(sheet, located)  # checked against sound names only
    return names + _groups(sheet, located) + words + _sizes(sheet, located)


def label_problems(labels: Labels, located: Located) -> list[str]:
    """Placeholders of the labels that are filled in (model.TEMPLATES)."""
    out = []
    for path, (allowed, required) in TEMPLATES.items():
        value: Any = labels
        for part in path:
            value = getattr(value, part)
        if value is not None:
            found = template.problems(value, allowed, required)
            out += [f"{located.where(path)}: {format_path(path)}: {problem}" for problem in found]
    if NEWER_DOI not in labels.newer_statement:
        out.append(f"{located.where(('newer_statement',))}: newer_statement: must cite the 2023 AANEM consensus "
                   f"statement (doi:{NEWER_DOI}), as the bundled labels.yaml does")
    return out


def disorders(sheet: Sheet) -> Iterator[tuple[PathKey, Disorder]]:
    """Every disorder with its path in sheet.yaml, in source order."""
    for gi, group in enumerate(sheet.helpful.groups):
        for di, disorder in enumerate(group.disorders):
            yield ("helpful", "groups", gi, "disorders", di), disorder
    for di, disorder in enumerate(sheet.other_disorders.disorders):
        yield ("other_disorders", "disorders", di), disorder


def _names(sheet: Sheet, located: Located) -> list[str]:
    out: list[str] = []
    seen: dict[str, PathKey] = {}
    ids: dict[str, PathKey] = {}
    for base, disorder in disorders(sheet):
        names = [(base + ("id",), disorder.id, "id")]
        names += [(base + ("aliases", k), alias, "alias") for k, alias in enumerate(disorder.aliases)]
        for path, raw, what in names:
            name = raw.lower()
            problem = None
            if name in RESERVED:
                problem = f"'{raw}' is a reserved word ({RESERVED[name]}); choose another {what}"
            elif name in seen:
                first = seen[name]
                problem = (f"'{raw}' is already used by {format_path(first)} (line {_line(located, first)}); "
                           "every id and alias names one disorder")
            else:
                seen[name] = path
                if what == "id":
                    ids[name] = path
            if problem:
                out.append(f"{located.where(path)}: {format_path(path)}: {problem}")
    return out + _prefixes(ids, located)


def _prefixes(ids: dict[str, PathKey], located: Located) -> list[str]:
    """Ids that could give two documents one file name (see the module's docstring)."""
    out = []
    for name, path in ids.items():
        problem = None
        for other in ids:
            if name.startswith(other + "-"):
                rest = name[len(other) + 1:]
                problem = (f"'{name}' is the id '{other}' and '-{rest}': PDFs are named ivig-<id>-<layout>.pdf, so "
                           f"ivig-{name}-a4.pdf would also name '{other}' on a layout called '{rest}-a4'; an id "
                           "must not begin with another id and a dash")
                break
        if name.startswith(FULL_SHEET_STEM + "-"):
            problem = (f"'{name}' begins with '{FULL_SHEET_STEM}-', as the full sheet's PDFs do "
                       f"(ivig-{FULL_SHEET_STEM}-<layout>.pdf); choose another id")
        elif FULL_SHEET_STEM.startswith(name + "-"):
            problem = (f"'{name}' and a dash begin the full sheet's file name (ivig-{FULL_SHEET_STEM}-<layout>.pdf), "
                       f"so ivig-{FULL_SHEET_STEM}-a4.pdf could also be '{name}' on a layout; choose another id")
        if problem:
            out.append(f"{located.where(path)}: {format_path(path)}: {problem}")
    return out


def _groups(sheet: Sheet, located: Located) -> list[str]:
    out: list[str] = []
    seen: dict[str, PathKey] = {}
    for gi, group in enumerate(sheet.helpful.groups):
        path = ("helpful", "groups", gi, "id")
        name = group.id.lower()
        if name in seen:
            first = seen[name]
            out.append(f"{located.where(path)}: {format_path(path)}: '{group.id}' is already the id of "
                       f"{format_path(first[:-1])} (line {_line(located, first)}); group ids must be unique")
        else:
            seen[name] = path
    return out


def _search_words(sheet: Sheet, located: Located) -> list[str]:
    owners = _owners(sheet)
    out: list[str] = []
    every: list[tuple[PathKey, str, tuple[str, ...]]] = [((), FULL, sheet.search_words)]
    every += [(base, d.id, d.search_words) for base, d in disorders(sheet)]
    for base, doc, words in every:
        seen: dict[str, PathKey] = {}
        for k, word in enumerate(words):
            path, found = base + ("search_words", k), key(word)
            problem = None
            if not found:
                problem = f"'{word}' has no letter or digit, so nothing typed could find it"
            elif found in seen:
                problem = (f"'{word}' is {format_path(seen[found])} (line {_line(located, seen[found])}) again, "
                           "once case, accents, hyphens and spaces are set aside; give it once")
            elif owners.get(found, doc) != doc:
                problem = (f"'{word}' is a name of '{owners[found]}' (its id, an alias, its name or abbreviation), "
                           "so it finds that document; remove it here")
            seen.setdefault(found, path)
            if problem:
                out.append(f"{located.where(path)}: {format_path(path)}: {problem}")
    return out


def _owners(sheet: Sheet) -> dict[str, str]:
    """Each document's names (ids, aliases, names, abbreviations) as search keys -> its id."""
    owners = {key(name): FULL for name in (FULL, sheet.title)}
    for _base, d in disorders(sheet):
        for name in (d.id, *d.aliases, d.name, d.abbreviation or "", d.label):
            owners.setdefault(key(name), d.id)
    owners.pop("", None)
    return owners


def _sizes(sheet: Sheet, located: Located) -> list[str]:
    out = []
    count = sum(1 for _ in disorders(sheet))
    if count > MAX_DISORDERS:
        out.append(f"{located.where(('helpful',))}: helpful, other_disorders: the sheet names {count} disorders "
                   f"in all; at most {MAX_DISORDERS} (so that every document builds and checks in seconds: "
                   "split it into several content packs)")
    every = _every_one_pager(sheet)
    if every > MAX_ONE_PAGER:
        out.append(f"{located.where(())}: what_is_ivig, side_effects, source, disclaimer: every one-pager prints "
                   f"these, {every:,} characters; a one-pager takes at most {MAX_ONE_PAGER:,} characters from "
                   "the sheet (shorten them)")
    else:
        out += _one_pagers(sheet, every, located)
    total = sum(len(text) for text in _texts(sheet))
    if total > MAX_SHEET:
        out.append(f"{located.where(())}: the sheet has {total:,} characters of text; at most {MAX_SHEET:,} "
                   "(split it into several content packs)")
    return out


def _one_pagers(sheet: Sheet, every: int, located: Located) -> list[str]:
    """One-pagers that would print more than MAX_ONE_PAGER characters: one line per group when its
    own paragraphs are the cause, else one per disorder."""
    out, why = [], (f"at most {MAX_ONE_PAGER:,} (shorten {{}}, or what every one-pager prints: what_is_ivig, "
                    "side_effects, source, disclaimer)")
    by_group: dict[int, list[tuple[PathKey, int]]] = {}
    for path, disorder in disorders(sheet):
        size = every + _own(sheet, path, disorder)
        if size > MAX_ONE_PAGER:
            by_group.setdefault(int(path[2]) if path[0] == "helpful" else -1, []).append((path, size))
    for gi, over in by_group.items():
        if gi >= 0 and len(over) == len(sheet.helpful.groups[gi].disorders) > 1:
            path = ("helpful", "groups", gi, "paragraphs")
            out.append(f"{located.where(path[:-1])}: {format_path(path[:-1])}: each of its one-pagers would print "
                       f"{min(size for _, size in over):,} characters of the sheet or more; "
                       + why.format("the group's paragraphs"))
            continue
        mine = "its paragraphs or its group's" if gi >= 0 else "other_disorders.intro"
        for path, size in over:
            out.append(f"{located.where(path)}: {format_path(path)}: its one-pager would print {size:,} characters "
                       "of the sheet; " + why.format(mine))
    return out


def _every_one_pager(sheet: Sheet) -> int:
    """Characters of the sheet that every one-pager prints (plan.kinds.one_pager, plan.common)."""
    se, src = sheet.side_effects, sheet.source
    return sum(map(len, (*sheet.what_is_ivig.paragraphs, se.heading, se.intro, *se.items, *se.after,
                         src.endorsement, src.copyright, src.citation, src.status, sheet.disclaimer)))


def _own(sheet: Sheet, path: PathKey, disorder: Disorder) -> int:
    """Characters of the sheet that only this disorder's one-pager prints: its group's and its own
    paragraphs, or (a listed disorder) the list's intro and its name."""
    if path[0] == "helpful":
        group = sheet.helpful.groups[int(path[2])]
        return sum(map(len, (*group.paragraphs, *disorder.paragraphs)))
    return len(sheet.other_disorders.intro) + len(disorder.name)


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a model that can be printed (without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, BaseModel):  # search words are never printed: not counted
            stack += [getattr(item, name) for name in type(item).model_fields if name != "search_words"]
        elif isinstance(item, (tuple, list)):
            stack += list(item)


def _line(located: Located, path: PathKey) -> int:
    return located.positions.get(path, (0, 0))[0]
