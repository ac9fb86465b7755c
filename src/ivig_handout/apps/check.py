"""Apps stage, check: is a content pack (and clinic profile) fit to print? Findings, not PDFs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import IvigError

OK, NOTE, WARN, FAIL = "ok", "note", "warn", "fail"


@dataclass(frozen=True)
class Finding:
    check: str
    status: str  # ok | note | warn | fail; only fail makes `check` exit 1
    detail: str
    items: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


def run_checks(content_dir: Path | None = None, clinic: Path | None = None,
               today: date | None = None, fit: bool = True) -> list[Finding]:
    """Every check, in the order a person would fix things. Schema failure stops the rest."""
    from ..api import load_handout
    from ..errors import ContentError

    label = "content" if content_dir is None else str(content_dir)
    try:
        handout = load_handout(content_dir)
    except ContentError as exc:
        return [Finding("content schema", FAIL, f"{len(exc.problems)} problem(s) in {label}", tuple(exc.problems))]
    findings = [Finding("content schema", OK, f"{label}: pack, sheet, labels and corrections are valid"),
                _pack(handout, label)]
    findings.append(_fonts(handout, label))
    if clinic is not None:
        findings.append(_clinic(clinic))
        findings += _online(clinic)
    if fit:
        findings += _fit(handout, content_dir, clinic)
    findings += _readability(handout)
    if handout.pack is not None and handout.pack.translated_from is not None:
        findings.append(_sentences(handout, content_dir))
    findings.append(_review(handout, today or date.today()))
    findings.append(_status(handout))
    findings.append(_corrections(handout))
    return findings


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text inside a model, with its dotted path."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def _fonts(handout: Any, label: str) -> Finding:
    from ..api import check_text
    from ..errors import UncoveredCharacterError

    problems, count = [], 0
    for file, model in (("sheet.yaml", handout.sheet), ("labels.yaml", handout.labels)):
        for path, text in _strings(model, ""):
            count += len(text)
            try:
                check_text(text, f"{label}/{file}: {path}", shaped=False)  # a content pack: no shaped scripts yet
            except UncoveredCharacterError as exc:
                problems.append(str(exc))
    if problems:
        return Finding("fonts cover every character", FAIL, f"{len(problems)} field(s) cannot print", tuple(problems))
    detail = f"{count:,} characters, all in Atkinson Hyperlegible or DejaVu Sans"
    return Finding("fonts cover every character", OK, detail)


def _clinic(path: Path) -> Finding:
    from ..api import load_profile

    try:
        load_profile(path)
    except IvigError as exc:
        return Finding("clinic profile", FAIL, f"{path} cannot be used", tuple(str(exc).splitlines()))
    return Finding("clinic profile", OK, f"{path}: valid, every character printable, logo readable")


def _online(path: Path) -> list[Finding]:
    """Whether the QR code's address (qr_url) can lead to the online copy's pages (`ivig-handout site`)."""
    from ..api import load_profile, site_problem

    try:
        url = load_profile(path).profile.qr_url
    except IvigError:
        return []  # the clinic profile check reports it
    if not url:
        return []
    problem = site_problem(url)
    if problem:
        return [Finding("online copy", WARN, f"qr_url cannot lead to the pages `ivig-handout site` writes: {problem}")]
    return [Finding("online copy", OK, "qr_url names each handout's page of `ivig-handout site`")]


ONE_PAGER = "one-pager"
# The longest name a patient may have (inputs/patient.LIMITS), in ordinary letters, and a long date.
LONG_NAME = "Maria Fernanda Gonçalves da Silva Pereira de Albuquerque Lim"
LONG_DATE = "30 de novembro de 2026, 14h30"


def one_page_layouts() -> list[str]:
    from ..api import all_layouts, get_kind

    section = get_kind(ONE_PAGER).section
    return [name for name, layout in all_layouts().items() if layout.kind(section).max_pages == 1]


def page_designs() -> list[str]:
    """One layout per page design: layouts that differ only in imposition (booklet, 2up) draw the same
    pages, so one of them stands for all (the batch renders them once too)."""
    from ..api import all_layouts
    from ..batch.runner import render_key

    return list({render_key(layout): name for name, layout in reversed(all_layouts().items())}.values())[::-1]


def _fit(handout: Any, content_dir: Path | None, clinic: Path | None) -> list[Finding]:
    """Every document rendered in every page design, as build, one-pager and batch would make it (with
    the clinic profile, when given): each must fit its layout's page limit. With a profile, also every
    one-pager on the one-page layouts with the longest patient's name: a warning where that is refused."""
    from ..api import Patient, Request, all_documents

    designs, docs = page_designs(), all_documents(handout)
    profile = _profile_or_none(clinic)  # with the clinic's blocks on the page, as it would print
    every = [Request(doc, name, content=content_dir, clinic=profile) for doc in docs for name in designs]
    longest = [Request(doc, name, content=content_dir, clinic=profile, patient=Patient(LONG_NAME, LONG_DATE),
                       kind=ONE_PAGER) for doc in docs[1:] for name in one_page_layouts()] if profile else []
    outcomes = _render_all([*every, *longest])
    problems = [problem for problem in outcomes[:len(every)] if problem]
    detail = f"{len(docs)} documents ({len(docs) - 1} disorders and the full sheet) x {len(designs)} page designs"
    findings = [Finding("documents fit their pages", FAIL if problems else OK, detail, tuple(problems))]
    if profile is not None:
        refused = [f"{r.document} on {r.layout}" for r, problem in zip(longest, outcomes[len(every):], strict=True)
                   if problem]
        status = WARN if refused else OK
        detail = (f"a {len(LONG_NAME)}-character name and a {len(LONG_DATE)}-character date fit "
                  f"{'every one-pager' if not refused else 'all but ' + str(len(refused)) + ' one-pagers'}"
                  + ("; there a name that long is refused with an error (nothing is left out)" if refused else ""))
        findings.append(Finding("longest patient's name", status, detail, tuple(refused)))
    return findings


def _render_all(requests: list[Any]) -> list[str]:
    """Render every request (on both cores, as a batch does); for each, "" or why it cannot be made."""
    from ..batch.workers import make_executor, shut_down

    if not requests:
        return []
    executor, _ = make_executor(requests[0], len(requests))
    try:
        return executor.map(_problem, requests)
    finally:
        shut_down(executor, now=False)


def _problem(request: Any) -> str:
    """Why the request cannot be rendered ("" when it can): what build, one-pager or batch would say."""
    from ..api import render_pages

    try:
        render_pages(request)
    except IvigError as exc:
        return str(exc)
    return ""


def _profile_or_none(clinic: Path | None) -> Path | None:
    """The clinic profile if it loads, or None (none given, or broken: the clinic check reports that)."""
    if clinic is None:
        return None
    from ..api import load_clinic

    try:
        load_clinic(clinic)
    except IvigError:
        return None
    return clinic


def _sections(handout: Any) -> list[tuple[str, str]]:
    s = handout.sheet
    out = [("Introduction", " ".join(s.introduction)),
           (s.what_is_ivig.heading, " ".join(s.what_is_ivig.paragraphs))]
    for group in s.helpful.groups:
        texts = [*group.paragraphs, *(p for d in group.disorders for p in d.paragraphs)]
        out.append((group.heading, " ".join(texts)))
    se = s.side_effects
    out.append((se.heading, " ".join([se.intro, *(i + "." for i in se.items), *se.after])))
    out.append(("Closing remarks", " ".join(s.closing)))
    out.append(("AAN disclaimer", s.disclaimer))
    return out


def _pack(handout: Any, label: str) -> Finding:
    """What the pack is, and whether it may be given to patients: a draft or stale translation warns."""
    from ..api import draft_problem, text_hash

    pack = handout.pack
    said = f"{pack.language}, edition {pack.edition}, {pack.status}"
    data = {"language": pack.language, "edition": pack.edition, "status": pack.status, "stale": handout.stale,
            "text_sha256": text_hash(handout)}
    rows = [f"translator: {pack.translator or '-'}",
            (f"reviewer: {pack.reviewer.name or '-'}{f' ({pack.reviewer.role})' if pack.reviewer.role else ''}"
             f"{f', on {pack.reviewed_on.isoformat()}' if pack.reviewed_on else ''}")]
    if pack.translated_from is not None:
        rows.insert(0, f"translated from: {pack.translated_from.edition} (text {pack.translated_from.text_sha256})")
    problem = draft_problem(handout, label)
    if problem is None:
        return Finding("content pack", OK, f"{label}: {said}", tuple(rows), data)
    state = "stale: the English text changed since it was translated" if handout.stale else "unreviewed draft"
    return Finding("content pack", WARN, f"{label}: {said}; {state} (printed with the draft band; serve, print and "
                   "rosters refuse it without --allow-draft)", tuple(rows), data)


def _sentences(handout: Any, content_dir: Path | None) -> Finding:
    """A translation has as many sentences as its English original, section by section."""
    from ..api import default_content_dir, english, resolve_pack
    from .readability import sentences

    source = english(resolve_pack(content_dir) or default_content_dir())
    ours, theirs = _sections(handout), _sections(source)
    off = [f"{name}: {len(sentences(text))} sentence(s), the English {len(sentences(other))} ({other_name})"
           for (name, text), (other_name, other) in zip(ours, theirs, strict=False)
           if len(sentences(text)) != len(sentences(other))]
    if len(ours) != len(theirs):
        off.append(f"{len(ours)} sections, the English {len(theirs)}")
    if off:
        return Finding("sentences as in the English", WARN, f"{len(off)} section(s) differ from the English",
                       tuple(off))
    return Finding("sentences as in the English", OK, f"all {len(ours)} sections have the English sentence counts")


def _readability(handout: Any) -> list[Finding]:
    from .readability import formulas

    language = formulas(handout.language)
    if language == "es":
        return [_spanish(handout)]
    if language is None:
        return [Finding("reading level", NOTE, f"not available for {handout.language} (no formula here; an English "
                        "score would mean nothing on it)")]
    return _english(handout)


def _spanish(handout: Any) -> Finding:
    from .readability import measure_spanish

    sections = _sections(handout)
    whole = measure_spanish("\n".join(text for _, text in sections))
    rows = [f"{name}: Fernández-Huerta {m.fernandez_huerta:.1f}, Szigriszt-Pazos {m.szigriszt_pazos:.1f} ({m.inflesz})"
            for name, m in ((name, measure_spanish(text)) for name, text in sections)]
    detail = (f"whole sheet: Fernández-Huerta {whole.fernandez_huerta:.1f}, Szigriszt-Pazos {whole.szigriszt_pazos:.1f}"
              f" (INFLESZ: {whole.inflesz}); target 55 or more, \"normal\" ({whole.verdict})")
    data = {"fernandez_huerta": round(whole.fernandez_huerta, 2), "szigriszt_pazos": round(whole.szigriszt_pazos, 2)}
    return Finding("reading level", OK if whole.verdict != "above target" else NOTE, detail, tuple(rows), data)


def _english(handout: Any) -> list[Finding]:
    from .readability import measure

    sections = _sections(handout)
    whole = measure("\n".join(text for _, text in sections))
    rows = []
    for name, text in sections:
        m = measure(text)
        rows.append(f"{name}: grade {m.flesch_kincaid_grade:.1f} (FK), {m.smog_index:.1f} (SMOG), {m.verdict}")
    detail = (f"whole sheet: Flesch-Kincaid grade {whole.flesch_kincaid_grade:.1f}, SMOG {whole.smog_index:.1f}; "
              f"target grade 8 at most, 6 preferred ({whole.verdict})")
    status = OK if whole.verdict != "above target" else NOTE
    data = {"flesch_kincaid_grade": round(whole.flesch_kincaid_grade, 2), "smog_index": round(whole.smog_index, 2)}
    return [Finding("reading level", status, detail, tuple(rows), data)]


def _review(handout: Any, today: date) -> Finding:
    from ..api import REVIEW_AFTER_DAYS

    reviewed = handout.sheet.meta.review_date
    age = (today - reviewed).days
    detail = f"content last reviewed {reviewed.isoformat()} ({age} days ago)"
    if age > REVIEW_AFTER_DAYS:
        return Finding("review date", WARN, detail + "; review it against current guidance (over a year old)")
    if age < 0:
        return Finding("review date", WARN, detail.replace(f"({age} days ago)", "(in the future)"))
    return Finding("review date", OK, detail)


def _status(handout: Any) -> Finding:
    src = handout.sheet.source
    detail = f"{src.year} guideline: {src.status} Every handout prints this and the notice."
    return Finding("source status", NOTE, detail)


def _corrections(handout: Any) -> Finding:
    text = "\n".join(t for _, t in _strings(handout.sheet, ""))
    cleaned = text
    for fix in handout.corrections:  # a fix may contain its original ("... treatment" + ".")
        cleaned = cleaned.replace(fix.corrected, "\n")
    left = [c.typo or c.original for c in handout.corrections
            if (c.typo in text if c.typo else c.original in cleaned)]
    if left:
        return Finding("recorded typos fixed", FAIL, f"{len(left)} recorded typo(s) still in the content", tuple(left))
    detail = f"{len(handout.corrections)} corrections recorded; none of the originals remains"
    return Finding("recorded typos fixed", OK, detail)


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.status == FAIL for f in findings) else 0


def as_json(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{**asdict(f), "items": list(f.items)} for f in findings]
