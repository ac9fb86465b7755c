"""Finding a handout by what people type (inputs/search.py): every id, alias, name, abbreviation and
search word, whatever the case, accents, hyphens and spaces; ranked id/alias > name > search word >
prefix > near spelling; the CLI (`one-pager "myasthenia gravis"`), a roster's disorder column and a
batch job take the same words; a bad search word in the content pack is a located error."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from ivig_handout.errors import ContentError, NotFoundError
from ivig_handout.inputs.content import find_disorder, load_handout
from ivig_handout.inputs.model import MAX_SEARCH_WORD
from ivig_handout.inputs.search import Document, Tier, documents, lookup, rank
from ivig_handout.plan.kinds import resolve

from ..conftest import edit
from ..pdfcheck import body_text
from ..printserver import PrintServer
from .common import one_error, run_cli

HANDOUT = load_handout()
DOCS = documents(HANDOUT)
MG_TEXT = "Myasthenia gravis (MG) is a disorder that affects how certain nerves communicate"


def _names(tiers: tuple[Tier, ...]) -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        out += [(doc.id, n) for n in (*doc.ids, *doc.names)] if Tier.ID in tiers else []
        out += [(doc.id, w) for w in doc.words] if Tier.WORD in tiers else []
    return out


NAMES = _names((Tier.ID, Tier.NAME))  # each names one document
WORDS = _names((Tier.WORD,))  # each finds its document, and maybe others that share it


@st.composite
def typed(draw: st.DrawFn, text: str) -> str:
    """``text`` as someone might type it: any case, accents on or off, words apart by spaces, hyphens
    or nothing, spaces around."""
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            out.append(ch if draw(st.booleans()) else "")  # é or e
        elif ch in " -":
            out.append(draw(st.sampled_from([" ", "-", "", "  ", " - "])))
        elif ch.isalpha():
            ch = ch.upper() if draw(st.booleans()) else ch.lower()
            out.append(ch + ("\u0301" if draw(st.integers(0, 9)) == 0 else ""))  # a stray accent
        else:
            out.append(ch)
    return draw(st.sampled_from(["", " ", "  "])) + "".join(out) + draw(st.sampled_from(["", " "]))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(NAMES).flatmap(lambda pair: st.tuples(st.just(pair[0]), typed(pair[1]))))
def test_every_id_alias_and_name_finds_its_document_however_typed(case: tuple[str, str]) -> None:
    doc_id, text = case
    found = lookup(DOCS, text)
    assert found.found is not None and found.found.id == doc_id, (text, found)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(WORDS).flatmap(lambda pair: st.tuples(st.just(pair[0]), typed(pair[1]))))
def test_every_search_word_finds_its_document_however_typed(case: tuple[str, str]) -> None:
    doc_id, text = case
    found = lookup(DOCS, text)
    ids = [found.found.id] if found.found else [d.id for d in found.tied]
    assert doc_id in ids, (text, found)


def matches(query: str) -> list[str]:
    """The documents ``query`` matches (not the near spellings), best first."""
    return [m.document.id for m in rank(DOCS, query) if m.tier < Tier.NEAR]


def test_every_document_has_search_words() -> None:
    assert [d.id for d in DOCS if len(d.words) < 3] == []


def test_the_words_people_use() -> None:
    """"weakness", "tingling" and "numbness" found nothing; "IVIG" and "immune globulin" find the full sheet first."""
    weakness = matches("weakness")
    assert {"gbs", "cidp", "mmn", "mg", "lems", "dermatomyositis"} <= set(weakness)
    assert "miller-fisher" not in weakness and "full" not in weakness
    assert [d.id for d in lookup(DOCS, "Weakness").tied] == weakness  # several: the person chooses
    for word in ("tingling", "numbness", "Tingling "):
        assert matches(word) == ["gbs", "cidp"]
    for word in ("IVIG", "IVIg", "immune globulin", "Immune-Globulin", "immunoglobulin"):
        assert rank(DOCS, word)[0].document.id == "full", word
        assert lookup(DOCS, word).found is not None and lookup(DOCS, word).found.id == "full"  # type: ignore[union-attr]
    assert matches("rash") == ["dermatomyositis"]


@pytest.mark.parametrize(("typed_text", "doc_id"), [
    ("myasthenia gravis", "mg"), ("Myasthenia Gravis", "mg"), ("miller fisher", "miller-fisher"),
    ("Miller Fisher", "miller-fisher"), ("MILLER FISHER", "miller-fisher"), ("miller-fisher", "miller-fisher"),
    ("Guillain Barre", "gbs"), ("Guillain-Barré syndrome", "gbs"), ("guillain barré", "gbs"),
    ("post polio", "postpolio"), ("Postpolio syndrome", "postpolio"), ("Myasthenia gravis (MG)", "mg"),
    ("Lambert Eaton", "lems"), ("inclusion body myositis", "inclusion-body-myositis"),
])
def test_plain_names_with_spaces_and_any_case(typed_text: str, doc_id: str) -> None:
    found = lookup(DOCS, typed_text)
    assert found.found is not None and found.found.id == doc_id


def test_ranked_id_then_name_then_search_word_then_prefix_then_near_spelling() -> None:
    docs = [Document("near", "Near", ("axy",), (), ()),
            Document("prefix", "Prefix", ("p1",), ("Xy lophone",), ()),
            Document("word", "Word", ("w1",), (), ("XY",)),
            Document("name", "Name", ("n1",), ("X-Y",), ()),
            Document("id", "Id", ("xy",), (), ())]
    ranked = rank(docs, "xy")
    assert [(m.document.id, m.tier) for m in ranked] == [
        ("id", Tier.ID), ("name", Tier.NAME), ("word", Tier.WORD), ("prefix", Tier.PREFIX), ("near", Tier.NEAR)]
    assert lookup(docs, "xy").found == docs[4]
    assert lookup(docs[:3], "xy").found == docs[2]  # a search word only one document has
    assert lookup(docs[:2], "xy").found is None and [d.id for d in lookup(docs[:2], "xy").close] == ["prefix", "near"]


def test_a_typo_gets_did_you_mean() -> None:
    found = lookup(DOCS, "myastenia")
    assert found.found is None and found.close[0].id == "mg"
    assert lookup(DOCS, "zzz").close == ()


# -- the CLI, a roster, a batch job ------------------------------------------------------------------

def test_one_pager_takes_a_plain_name(tmp_path: Path) -> None:
    """`one-pager "myasthenia gravis"` was refused (a space); it writes the MG one-pager."""
    out = tmp_path / "mg.pdf"
    code, _, err = run_cli("one-pager", "myasthenia gravis", "-o", str(out))
    assert code == 0, err
    assert MG_TEXT in body_text(out.read_bytes())
    code, _, err = run_cli("one-pager", "MILLER FISHER", "-o", str(tmp_path / "mfs.pdf"))
    assert code == 0, err
    assert "IVIg for Miller Fisher syndrome" in body_text((tmp_path / "mfs.pdf").read_bytes())


def test_one_pager_says_what_a_word_could_be_or_did_you_mean(tmp_path: Path) -> None:
    line = one_error(*run_cli("one-pager", "tingling", "-o", str(tmp_path / "x.pdf"))[::2])
    assert line == ("error: 'tingling' could be any of 2 disorders: 'gbs', 'cidp'; give one of these "
                    "(see `ivig-handout list`)")
    line = one_error(*run_cli("one-pager", "myastenia", "-o", str(tmp_path / "x.pdf"))[::2])
    assert line.startswith("error: unknown disorder 'myastenia': did you mean 'mg'")
    assert not (tmp_path / "x.pdf").exists()


def test_print_takes_the_same_words(print_server: PrintServer, tmp_path: Path) -> None:
    """`print` finds the full sheet by "immune globulin" and MG by "Myasthenia Gravis": the jobs at the printer."""
    for typed_text, job_name, text in (("immune globulin", "ivig-information-sheet-letter", "What is IV immunoglobulin?"),
                                       ("Myasthenia Gravis", "ivig-mg-letter", MG_TEXT)):
        mark = print_server.mark()
        code, _, err = run_cli("print", typed_text, "--record-db", str(tmp_path / "record.sqlite3"), within=120)
        assert code == 0, err
        job = print_server.job("clinic", mark)
        assert job["job-name"] == job_name and text in body_text(job.document)


def test_the_full_sheet_by_its_search_words() -> None:
    assert resolve(HANDOUT, "immune globulin")[1] == "full"
    assert resolve(HANDOUT, "IVIG")[1] == "full"
    with pytest.raises(NotFoundError, match="unknown disorder 'IVIG'"):
        find_disorder(HANDOUT, "IVIG")  # a one-pager is about a disorder


def test_a_roster_with_plain_names_prints_the_right_handouts(tmp_path: Path) -> None:
    """A roster row "miller fisher" was refused (the id is hyphenated) and held up every other row."""
    roster = tmp_path / "roster.csv"
    roster.write_text("name,disorder\nAna Souza,miller fisher\nBob Stone,Guillain Barre\nCy Young,myasthenia gravis\n",
                      encoding="utf-8")
    code, _, err = run_cli("batch", "--roster", str(roster), "--out-dir", str(tmp_path / "out"), within=120)
    assert code == 0, err
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(tmp_path / "out" / "roster-letter.pdf").pages]
    firsts = [p for p in pages if "Prepared for" in p]
    assert len(firsts) == 3
    assert "Ana Souza" in firsts[0] and "IVIg for Miller Fisher syndrome" in firsts[0]
    assert "Bob Stone" in firsts[1] and "IVIg for Guillain-Barré syndrome (GBS)" in firsts[1]
    assert "Cy Young" in firsts[2] and "IVIg for Myasthenia gravis (MG)" in firsts[2]


def test_a_roster_row_with_a_shared_word_names_the_choices(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("name,disorder\nAna Souza,numbness\n", encoding="utf-8")
    line = one_error(*run_cli("batch", "--roster", str(roster), "--out-dir", str(tmp_path / "out"))[::2])
    assert line == (f"error: {roster}:2: disorder: 'numbness' could be any of 2 handouts: 'gbs', 'cidp'; "
                    "give one of these")


def test_a_batch_job_takes_the_same_words(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(f"documents: [immune globulin, Miller Fisher, rash]\nlayouts: [letter]\noutput: {tmp_path / 'out'}\n")
    code, _, err = run_cli("batch", str(job), within=120)
    assert code == 0, err
    made = sorted(p.name for p in (tmp_path / "out").glob("ivig-*.pdf"))
    assert made == ["ivig-dermatomyositis-letter.pdf", "ivig-information-sheet-letter.pdf",
                    "ivig-miller-fisher-letter.pdf"]


# -- the content pack --------------------------------------------------------------------------------

def at(pack: Path, needle: str) -> str:
    """``sheet.yaml:LINE:COL`` of ``needle`` (its first occurrence)."""
    for number, line in enumerate((pack / "sheet.yaml").read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return f"{pack}/sheet.yaml:{number}:{line.index(needle) + 1}"
    raise AssertionError(needle)


def problems(pack: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_handout(pack)
    return info.value.problems


@pytest.mark.parametrize(("old", "new", "needle", "path", "said"), [
    ("search_words: [weakness, muscle weakness, tingling, numbness, c",
     "search_words: [weakness, muscle weakness, MG, numbness, c", "MG,", "helpful.groups[0].disorders[1].search_words[2]",
     "'MG' is a name of 'mg' (its id, an alias, its name or abbreviation), so it finds that document; remove it here"),
    ("search_words: [IVIG, ", "search_words: [IVIG, Ivig, ", "Ivig", "search_words[1]",
     "'Ivig' is search_words[0] (line {line}) again, once case, accents, hyphens and spaces are set aside; give it once"),
    ("search_words: [sIBM, ", "search_words: ['--', sIBM, ", "'--'", "other_disorders.disorders[2].search_words[0]",
     "'--' has no letter or digit, so nothing typed could find it"),
    ("search_words: [sIBM, ", f"search_words: [{'w' * (MAX_SEARCH_WORD + 1)}, ", "w" * 10,
     "other_disorders.disorders[2].search_words[0]",
     f"is {MAX_SEARCH_WORD + 1} characters long; at most {MAX_SEARCH_WORD} (shorten it, or split it)"),
    ("search_words: [sIBM, ", "search_words: [{a: b}, ", "{a: b}", "other_disorders.disorders[2].search_words[0]",
     "expected text, got a mapping"),
])
def test_a_bad_search_word_is_a_located_error(pack: Path, tmp_path: Path, old: str, new: str, needle: str,
                                              path: str, said: str) -> None:
    edit(pack, "sheet.yaml", old, new)
    line = int(at(pack, "search_words: [IVIG").split(":")[1])
    assert problems(pack) == [f"{at(pack, needle)}: {path}: {said.format(line=line)}"]
    error = one_error(*run_cli("one-pager", "mg", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert error == f"error: {at(pack, needle)}: {path}: {said.format(line=line)}"
