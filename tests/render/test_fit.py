"""Issue 21, fitting that flexes before it refuses: the documented profile limits (refused past them with
one located line), and within them every profile fits every one-pager on Letter and A4, render/fit.py
taking its steps in the designed order and saying which (Fitted.steps); web addresses print whole."""

from __future__ import annotations

import random
import re
import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivig_handout.apps.cli import main
from ivig_handout.design.layouts import get_layout
from ivig_handout.errors import UncoveredCharacterError
from ivig_handout.inputs import fonts
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import Handout
from ivig_handout.inputs.patient import Patient
from ivig_handout.inputs.profile import LIMITS, Clinic, load_profile
from ivig_handout.inputs.roster import format_date
from ivig_handout.inputs.text import check_text
from ivig_handout.plan.kinds import get_kind, resolve
from ivig_handout.plan.profile import apply
from ivig_handout.render.fit import BALANCED, COMPACT, TIGHTER, TIGHTEST, Fitted, fit
from ivig_handout.render.profile import printed_url, url_lines

from ..pdfcheck import glyph_sizes, page_texts, reader, squash

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "clinic.yaml"
ONE_PAGERS = get_kind("one-pager").ids(load_handout())
DATE = "28 September 2026"  # the longest date a roster prints from a date cell (format_date)


def canon(text: str) -> str:
    """Text as compared with the PDF: NFC, no whitespace or hyphens (lines wrap anywhere)."""
    return re.sub(r"[\s\xa0\xad-]", "", unicodedata.normalize("NFC", text))


def write_profile(folder: Path, **fields: object) -> Path:
    """The example profile (its logo too) with ``fields`` changed."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(fields)
    (folder / "clinic-logo.png").write_bytes((EXAMPLES / "clinic-logo.png").read_bytes())
    path = folder / "clinic.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, width=10**6), encoding="utf-8")
    return path


def fitted(handout: Handout, doc: str, layout: str, clinic: Clinic | None, patient: Patient | None) -> Fitted:
    """What render/fit.py makes of the one-pager (as api.make plans it)."""
    kind, doc_id = resolve(handout, doc, "one-pager")
    return fit(apply(kind.plan(handout, doc_id), clinic, patient, handout.labels.clinic), kind, get_layout(layout))


def body_size(data: bytes) -> float:
    """The size most words on the page are set in."""
    from collections import Counter

    sizes = Counter(round(size, 2) for _, size, text in glyph_sizes(data) for _ in text.split())
    return sizes.most_common(1)[0][0]


def printed(data: bytes) -> str:
    return canon(" ".join(page_texts(data)))


# --- the limits -----------------------------------------------------------------------------------

LIMITED = [("name", "name"), ("department", "department"), ("phone", "phone"), ("website", "website"),
           ("questions", "questions"), ("note_heading", "note_heading"), ("note", "note")]


def _text(n: int) -> str:
    return ("Springfield neuromuscular infusion " * 20)[:n - 1] + "x"


@pytest.mark.parametrize(("field", "key"), LIMITED)
def test_a_value_at_its_limit_loads_and_one_past_it_is_one_located_line(tmp_path: Path, field: str, key: str) -> None:
    """The documented limits (README, Clinic profile): at the limit the profile loads; one character
    past it, the loader and `check --clinic` both refuse it in one line naming the file, line and field."""
    limit = LIMITS[key]
    at = load_profile(write_profile(tmp_path, **{field: _text(limit)}))
    assert len(getattr(at.profile, field) if field != "note" else " ".join(at.profile.note)) == limit
    profile = write_profile(tmp_path, **{field: _text(limit + 1)})
    result = CliRunner().invoke(main, ["one-pager", "gbs", "--clinic", str(profile), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    line = f"{field}: is {limit + 1} characters long; at most {limit} fit, shorten it"
    assert re.fullmatch(rf"error: {re.escape(str(profile))}:\d+:\d+: {re.escape(line)}\n", result.stderr), result.stderr
    checked = CliRunner().invoke(main, ["check", "--clinic", str(profile), "--skip-fit"])
    assert checked.exit_code == 1 and line in checked.stdout, checked.stdout


def test_the_address_takes_three_lines_of_sixty(tmp_path: Path) -> None:
    ok = load_profile(write_profile(tmp_path, address="\n".join([_text(60)] * 3)))
    assert [len(x) for x in ok.profile.address] == [60, 60, 60]
    profile = write_profile(tmp_path, address="\n".join([_text(60), _text(61)]))
    result = CliRunner().invoke(main, ["check", "--clinic", str(profile), "--skip-fit"])
    assert result.exit_code == 1
    assert "address: line 2 is 61 characters long; at most 60 fit, shorten it" in result.stdout


def test_the_patients_name_and_date_limits(tmp_path: Path) -> None:
    args = ["one-pager", "gbs", "-o", str(tmp_path / "x.pdf")]
    result = CliRunner().invoke(main, [*args, "--patient-name", "x" * 61])
    assert result.exit_code == 1 and result.stderr == "error: --patient-name: is 61 characters long; at most 60 fit, shorten it\n"
    result = CliRunner().invoke(main, [*args, "--date", "x" * 31])
    assert result.exit_code == 1 and result.stderr == "error: --date: is 31 characters long; at most 30 fit, shorten it\n"


# --- the fitting steps -----------------------------------------------------------------------------

ORDER = (BALANCED, COMPACT, TIGHTER, "without notes box", TIGHTEST)


def _in_order(steps: tuple[str, ...]) -> None:
    """``steps`` in the designed order; a type step (naming the size it stopped at) only after the
    spacing has tightened, and only once; the spacing's whole range only last, at the type's floor."""
    named = [s for s in steps if not s.startswith("type ")]
    places = [ORDER.index(s) for s in named]
    assert places == sorted(set(places)), steps
    sizes = [s for s in steps if s.startswith("type ")]
    assert len(sizes) <= 1, steps
    body = [s for s in steps if s != TIGHTEST]
    if sizes:
        assert TIGHTER in named and body[-1] == sizes[0], steps
    if TIGHTEST in steps:
        assert steps[-1] == TIGHTEST and TIGHTER in named, steps


def longest_profile(folder: Path) -> Path:
    """Every field at its limit, in ordinary words."""
    return write_profile(folder, name=_text(LIMITS["name"]), department=_text(LIMITS["department"]),
                         address="\n".join([_text(LIMITS["address"])] * 3), phone="+1 (217) 555-0142 ext. 12345",
                         website="www.springfield-neuromuscular-infusion-centre.example.org/ivig"[:LIMITS["website"]],
                         questions=_text(LIMITS["questions"]), note_heading=_text(LIMITS["note_heading"]),
                         note=_text(LIMITS["note"]))


@pytest.mark.parametrize("layout", ["letter", "a4"])
def test_the_longest_profile_fits_every_one_pager_saying_which_steps_it_took(handout, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                            layout: str) -> None:
    """Every field at its limit, a 60-character patient's name: every one-pager fits one page, the
    steps taken in the designed order (Fitted.steps), the body type never below the layout's floor,
    and the name and note printed."""
    clinic = load_profile(longest_profile(tmp_path))
    patient = Patient(_text(LIMITS["patient_name"]), DATE)
    floor = get_layout(layout).kind("one_pager").min_body_pt
    for doc in ONE_PAGERS:
        done = fitted(handout, doc, layout, clinic, patient)
        assert done.pages == 1 and len(reader(done.data).pages) == 1
        _in_order(done.steps)
        assert done.body >= floor and body_size(done.data) >= floor
        text = printed(done.data)
        assert canon(patient.name or "") in text and canon(clinic.profile.note[0]) in text
        assert canon(clinic.profile.name or "") in text


def wide(n: int, start: int = 0) -> str:
    """``n`` characters of words of W, the widest letter (3 to 11 letters each)."""
    out, i = "", start
    while len(out) < n:
        out += "W" * (3 + i % 9) + " "
        i += 1
    return out[:n - 1].rstrip() + "W"


def widest_profile(folder: Path) -> Path:
    """Every field at its limit in wide letters: a name of 80 W's, words of W elsewhere, the note in
    three paragraphs (400 characters)."""
    third = (LIMITS["note"] - 2) // 3
    return write_profile(folder, name="W" * LIMITS["name"], department=wide(LIMITS["department"]),
                         address="\n".join(wide(LIMITS["address"], i) for i in range(3)),
                         phone="+1 (217) 555-0142 ext. 12345"[:LIMITS["phone"]],
                         website=("www." + "w" * LIMITS["website"])[:LIMITS["website"]],
                         questions=wide(LIMITS["questions"]), note_heading="W" * LIMITS["note_heading"],
                         note="\n\n".join(wide(third + (LIMITS["note"] - 2) % 3 * (i == 2), i) for i in range(3)))


@pytest.mark.parametrize("layout", ["letter", "a4"])
def test_the_widest_profile_fits_every_one_pager(handout, tmp_path: Path, layout: str) -> None:  # type: ignore[no-untyped-def]
    """Wide letters at every limit, with a 60-character patient's name in words of W (issue 21: MG on
    Letter was refused, the note box's long label beside the note and the spacing's range too narrow):
    every one-pager on one page, at the floor or above, the steps in order, the name and note printed."""
    clinic = load_profile(widest_profile(tmp_path))
    assert len(" ".join(clinic.profile.note)) == LIMITS["note"] and len(clinic.profile.note) == 3
    patient = Patient(wide(LIMITS["patient_name"]), DATE)
    floor = get_layout(layout).kind("one_pager").min_body_pt
    for doc in ONE_PAGERS:
        done = fitted(handout, doc, layout, clinic, patient)
        assert done.pages == 1 and len(reader(done.data).pages) == 1, doc
        _in_order(done.steps)
        assert done.body >= (floor or 0) and body_size(done.data) >= (floor or 0), doc
        text = printed(done.data)
        assert canon(patient.name or "") in text and all(canon(x) in text for x in clinic.profile.note), doc
        assert canon(clinic.profile.name or "") in text and canon(clinic.profile.note_heading or "") in text, doc


def test_large_print_aims_for_four_pages_saying_which_steps_it_took(handout) -> None:  # type: ignore[no-untyped-def]
    """Large print with the example profile (its limit with a profile: 6 pages) aims for 4: GBS on Letter
    moves the clinic's boxes after the disclaimer and leaves out the blank notes box (issue 21: it ran
    to 5 pages); MMN moves only the notes box last; GBS on A4 fits as it is and keeps every part."""
    clinic = load_profile(EXAMPLE)
    patient = Patient("Ana Souza", "1 Dec 2026")
    gbs = fitted(handout, "gbs", "large-print", clinic, patient)
    assert (gbs.pages, gbs.steps, gbs.left_out) == (4, ("clinic's boxes last", "without notes box"), ("the notes box",))
    assert gbs.limit == 4  # the note on stderr: "... left out of gbs on large-print to keep 4 pages"
    pages = [canon(t) for t in page_texts(gbs.data)]
    assert pages[-1].index(canon("circumstances involved.")) < pages[-1].index(canon("After your infusion"))
    mmn = fitted(handout, "mmn", "large-print", clinic, patient)
    assert (mmn.pages, mmn.steps, mmn.left_out) == (4, ("notes box last",), ())
    last = canon(page_texts(mmn.data)[-1])
    assert last.index(canon("circumstances involved.")) < last.index(canon("Notes from your care team"))
    a4 = fitted(handout, "gbs", "large-print-a4", clinic, patient)
    assert (a4.pages, a4.steps, a4.left_out) == (4, (), ())


@pytest.mark.parametrize("doc", ("gbs", "cidp", "mmn", "mg"))
def test_large_print_spanish_compacts_the_letterhead_and_qr_code_last(doc: str) -> None:
    """The Spanish pack with the example profile on large print Letter: GBS, CIDP, MMN and MG ran to 5
    pages, the QR code and its caption alone on the last, even with the side-effect box split and without
    the notes box. The ladder's last rungs compact the letterhead (the contact line under the logo and
    the name, across the page) and the QR code (at its 0.8 in minimum, its address after its label's last
    line): 4 pages, the steps saying so; the name, the note and the address printed whole."""
    spanish = load_handout(Path("es"))
    clinic = load_profile(EXAMPLE)
    patient = Patient("Ana Souza", "1 Dec 2026")
    done = fitted(spanish, doc, "large-print", clinic, patient)
    assert (done.pages, done.limit, done.steps[-2:]) == (4, 4, ("side-effect box split", COMPACT)), done.steps
    assert get_layout("large-print").clinic.band_qr_min >= 0.8 * 72  # the compact QR code's side
    text = printed(done.data)
    assert canon(patient.name or "") in text and all(canon(x) in text for x in clinic.profile.note)
    url = printed_url(clinic.profile.qr_url or "").replace("{id}", doc)
    page = next(t for t in page_texts(done.data) if url in t)  # whole, on the page of its label
    assert canon(spanish.labels.clinic.qr_label) in canon(page), page
    assert body_size(done.data) >= 18


def test_a_profile_that_fits_takes_no_step_it_does_not_need(handout) -> None:  # type: ignore[no-untyped-def]
    """No profile: a one-pager takes no step but its balanced columns; the notes box alone is kept
    where the page has room, before the type would step down."""
    plain = fitted(handout, "postpolio", "letter", None, None)
    assert plain.steps == (BALANCED,) and plain.left_out == ()
    box = load_profile(EXAMPLE).profile.model_copy(update={"note": (), "name": None})
    kept = fitted(handout, "postpolio", "letter", Clinic(box), None)
    assert "without notes box" not in kept.steps and "Notes from your care team" in " ".join(page_texts(kept.data))


# --- 30 realistic clinic names ---------------------------------------------------------------------

CLINICS = [
    "Neurology Associates",
    "Oak Park Infusion Center",
    "Clínica de Neurologia São Lucas",
    "Hôpital Saint-Louis, Neurologie",
    "Riverside Infusion & Neurology Clinic",
    "Lakeside Regional Medical Center",
    "Northwestern Neuromuscular Clinic",
    "Centro Médico Nuestra Señora de la Paz",
    "St. Mary's Hospital Infusion Services",
    "Mercy Health Neurology and Infusion Center",
    "University Hospitals Neuromuscular Infusion Center",
    "Bệnh viện Đại học Y Dược Thành phố Hồ Chí Minh",
    "Klinikum der Universität München, Neurologische Klinik",
    "Providence Sacred Heart Medical Center & Children's Hospital",
    "Massachusetts General Hospital Neuromuscular Diagnostic Center",
    "Allegheny General Hospital Department of Neurology Infusion Suite",
    "Szpital Uniwersytecki w Krakowie, Oddział Neurologii i Infuzji",
    "The Johns Hopkins Hospital Neuromuscular Division Infusion Center",
    "Cedars-Sinai Medical Center Neuromuscular Disorders and Infusion",
    "Πανεπιστημιακό Γενικό Νοσοκομείο Αθηνών Νευρολογική Κλινική",
    "Городская клиническая больница № 1, неврологическое отделение",
    "Royal Prince Alfred Hospital, Institute of Clinical Neurosciences",
    "Hospital Israelita Albert Einstein, Centro de Infusão Neuromuscular",
    "Mayo Clinic Department of Neurology, Neuromuscular Infusion Therapy Unit",
    "Vanderbilt University Medical Center Neuromuscular Clinic and Infusion",
    "Cleveland Clinic Neuromuscular Center, Infusion Services for Adult Patients",
    "Centre hospitalier universitaire de Montréal, clinique neuromusculaire",
    "University of Texas Southwestern Medical Center Neuromuscular Infusion Clinic",
    "Nguyễn Tri Phương Hospital, Department of Neurology and Neuromuscular Infusion",
    "Dartmouth-Hitchcock Medical Center, Neuromuscular Disease & Infusion Program",
]


def test_the_thirty_names_are_real_lengths() -> None:
    lengths = [len(name) for name in CLINICS]
    assert len(CLINICS) == 30 and min(lengths) >= 20 and max(lengths) <= LIMITS["name"] and max(lengths) >= 75


@pytest.mark.parametrize("name", CLINICS)
def test_a_real_clinic_name_prints_on_gbs_and_mg(handout, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """The example profile with only its name changed, a patient and a date (issue 21's table): GBS and
    MG, Letter and A4, each on one page with the name, the patient and the clinic's note printed."""
    clinic = load_profile(write_profile(tmp_path, name=name))
    patient = Patient("Ana P. Souza", "1 Dec 2026")
    for doc in ("gbs", "mg"):
        for layout in ("letter", "a4"):
            done = fitted(handout, doc, layout, clinic, patient)
            assert done.pages == 1, (doc, layout)
            _in_order(done.steps)
            text = printed(done.data)
            assert canon(name) in text and canon("Ana P. Souza") in text and canon("In an emergency, call 911.") in text


# --- any profile within the limits (hypothesis) ------------------------------------------------------

def _letters(text: str) -> str:
    """The letters of ``text`` both bundled families print and that round-trip through the PDF."""
    covered = fonts.coverage(fonts.MAIN) | fonts.coverage(fonts.FALLBACK)
    keep = []
    for ch in text:
        try:
            check_text(ch, "letters")
        except UncoveredCharacterError:
            continue
        if ord(ch) in covered and unicodedata.normalize("NFC", ch) == ch:
            keep.append(ch)
    return "".join(keep)


SCRIPTS = {  # lower-case letters; words start with a capital now and then (str.upper)
    "latin": _letters("abcdefghijklmnopqrstuvwxyzáàâãäåçéèêëíìîïñóòôõöúùûüýÿłśźżćńąęőűšžčřďťňů"),
    "greek": _letters("".join(map(chr, range(0x3B1, 0x3CA)))),
    "cyrillic": _letters("".join(map(chr, range(0x430, 0x450)))),
    "vietnamese": _letters("aăâbcdđeêghiklmnoôơpqrstuưvxyạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"),
    "wide": "W",  # words of the widest letter
}


def words(seed: int, script: str, n: int) -> str:
    """``n`` characters of words (1 to 12 letters, a third of them capitalised) in ``script``, ending
    in a letter."""
    rng, letters = random.Random(seed), SCRIPTS[script]
    out = ""
    while len(out) < n:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
        out += (word.capitalize() if rng.random() < 0.33 else word) + " "
    return out[:n - 1].rstrip() + rng.choice(letters)


def field(limit: int) -> st.SearchStrategy[str]:
    """Text of a random length up to ``limit`` (the limit itself often), in a random script."""
    length = st.one_of(st.just(limit), st.integers(min_value=1, max_value=limit))
    return st.builds(words, st.integers(0, 2**32), st.sampled_from(sorted(SCRIPTS)), length)


def roster_dates() -> st.SearchStrategy[str]:
    """Every date form a roster prints: a date cell (format_date), or the text of a text cell up to its limit."""
    from datetime import date

    return st.one_of(st.dates(date(2020, 1, 1), date(2040, 12, 31)).map(format_date),
                     st.sampled_from(["1/12/2026", "2026-12-01", "30 de novembro de 2026, 14h30", "Dec 1, 2026"]))


PROFILES = st.fixed_dictionaries({
    "name": field(LIMITS["name"]), "department": field(LIMITS["department"]),
    "address": st.lists(field(LIMITS["address"]), min_size=1, max_size=3).map("\n".join),
    "phone": st.from_regex(r"\+?[0-9]{1,3} \([0-9]{3}\) [0-9]{3}-[0-9]{4}( ext\. [0-9]{1,5})?", fullmatch=True),
    "website": st.from_regex(r"(https://)?(www\.)?[a-z]{1,20}(-[a-z]{1,12})?\.example\.org(/[a-z]{1,10})?", fullmatch=True),
    "questions": field(LIMITS["questions"]), "note_heading": field(LIMITS["note_heading"]),
    "note": field(LIMITS["note"]),
})


@pytest.mark.parametrize("layout", ["letter", "a4"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(profile=PROFILES, name=field(LIMITS["patient_name"]), date=roster_dates(), doc=st.sampled_from(ONE_PAGERS))
def test_any_profile_within_the_limits_fits_every_one_pager(tmp_path: Path, layout: str, profile: dict[str, str],
                                                           name: str, date: str, doc: str) -> None:
    """Every field at a random length up to its limit, in Latin (accents included), Greek, Cyrillic, words of W or
    Vietnamese, with a patient's name and a date: the one-pager is one page, the name and the note are
    printed, the body type is at least the layout's floor, the steps taken in the designed order."""
    handout = load_handout()
    clinic = load_profile(write_profile(tmp_path, **profile))
    done = fitted(handout, doc, layout, clinic, Patient(name, date))
    assert done.pages == 1 and len(reader(done.data).pages) == 1
    _in_order(done.steps)
    floor = get_layout(layout).kind("one_pager").min_body_pt or 0
    assert done.body >= floor and body_size(done.data) >= floor
    text = printed(done.data)
    assert canon(name) in text and canon(date) in text
    assert canon(profile["note"]) in text and canon(profile["name"]) in text


# --- web addresses print whole -------------------------------------------------------------------------

def test_an_address_is_printed_without_its_scheme_and_www() -> None:
    assert printed_url("https://www.clinica-saojose.example/ivig/gbs") == "clinica-saojose.example/ivig/gbs"
    assert printed_url("http://example.org/a?b=1") == "example.org/a?b=1"


def test_an_address_breaks_only_after_a_slash() -> None:
    url = "springfield-neuromuscular-infusion-centre.example.org/patients/handouts/ivig/gbs"
    lines = url_lines(url, 120, 9)
    assert "".join(lines) == url and len(lines) > 1
    assert all(line.endswith("/") for line in lines[:-1]), lines
    assert url_lines("clinica-saojose.example/ivig/gbs", 500, 9) == ["clinica-saojose.example/ivig/gbs"]


@pytest.mark.parametrize("doc", ["gbs", "full"])
def test_the_qr_address_is_never_broken_inside_a_name(doc: str, tmp_path: Path) -> None:
    """The example's address on the GBS one-pager and on the full sheet: printed on one line, without
    its scheme (it used to break after "clinica-saojose."), beside the caption's new words."""
    out = tmp_path / "x.pdf"
    args = ["one-pager", doc] if doc != "full" else ["build"]
    result = CliRunner().invoke(main, [*args, "--clinic", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    text = "\n".join(page_texts(out.read_bytes()))
    assert any(line.strip().endswith(f"clinica-saojose.example/ivig/{doc}") for line in text.splitlines()), text
    assert "https://" not in text and "clinica-saojose.\n" not in text
    flat = " ".join(text.split())
    assert "Scan with your phone camera, or type the web address" in flat


# --- large print: the side-effect box split, the ladder's late step ------------------------------------


def _box_parts(data: bytes, fill: str) -> list[int]:
    """The pages (0-based) on which a rectangle is filled and stroked (a box) in the colour ``fill``."""
    import pikepdf

    rgb = [round(int(fill[i:i + 2], 16) / 255, 2) for i in (1, 3, 5)]
    found = []
    with pikepdf.open(BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages):
            colour: list[float] = []
            pending = False
            for operands, op in pikepdf.parse_content_stream(page):
                name = str(op)
                if name == "rg":
                    colour = [round(float(x), 2) for x in operands]
                elif name == "re":
                    pending = colour == rgb
                elif name in ("B", "B*") and pending:
                    found.append(number)
                    break
    return found


@pytest.mark.parametrize("doc", ["gbs", "cidp", "mg"])
def test_large_print_splits_the_side_effect_box_where_kept_whole_it_would_miss_four_pages(
        handout: Handout, tmp_path: Path, doc: str) -> None:
    """The example profile with its note at the 400-character limit, large print on Letter: GBS, CIDP and
    MG ran to 5 pages (the side-effect box needed about 215 pt at the foot of page 2 and moved whole to
    page 3). The ladder's late step splits the box: 4 pages, the step named last in Fitted.steps, the
    box drawn around each part, the part overleaf headed "... (continued)", every row once, in order,
    and the structure tree reads it once, in order, without the "(continued)" heading."""
    from ivig_handout.api import Request, build
    from ivig_handout.render.fit import BOX_SPLIT

    from ..design.test_layouts import LONGER
    from .test_tagging import struct_text

    note = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["note"] + LONGER[1]
    assert LIMITS["note"] - 10 <= len(note) <= LIMITS["note"]
    path = write_profile(tmp_path, note=note)
    patient = Patient("Ana Souza", "1 Dec 2026")
    done = fitted(handout, doc, "large-print", load_profile(path), patient)
    assert done.pages == 4 and done.limit == 4, (done.pages, done.steps)
    assert done.steps[-1] == BOX_SPLIT and done.steps.count(BOX_SPLIT) == 1, done.steps
    se = handout.sheet.side_effects
    continued = canon(handout.labels.continued.replace("{heading}", se.heading))
    pages = [canon(t) for t in page_texts(done.data)]
    first = next(i for i, t in enumerate(pages) if canon(se.heading) in t)
    assert continued not in pages[first] and pages[first + 1].startswith(continued)  # overleaf, at the top
    assert canon(se.intro) in pages[first] and canon(se.items[0]) in pages[first + 1]
    text = "".join(pages)
    assert text.count(canon(se.heading)) == 2  # the heading, and in the continued heading
    cursor = 0
    for row in (se.intro, *se.items, *se.after):  # every row once, in order
        assert text.count(canon(row)) == 1, row
        cursor = text.index(canon(row), cursor) + 1
    assert canon(note) in text
    assert _box_parts(done.data, get_layout("large-print").colours.box_fill) == [first, first + 1]
    made = build(Request(doc, "large-print", clinic=path, patient=patient)).data
    (tmp_path / "made.pdf").write_bytes(made)
    from pdfua import validate

    report = validate(str(tmp_path / "made.pdf"))  # PDF/UA-1, as test_tagging checks it
    assert not report.findings, [(f.rule_id, f.message) for f in report.findings]
    _, tree = struct_text(tmp_path / "made.pdf")
    assert "(continued)" not in tree and tree.count(squash(se.heading)) == 1
    cursor = 0
    for row in (se.heading, se.intro, *se.items, *se.after):
        cursor = tree.index(squash(row), cursor) + 1


def test_the_box_split_leaves_two_lines_on_each_page() -> None:
    """The late step's box (``lines``): the paragraph the page's foot meets splits between its lines with
    two or more on each side, under the heading; where only one would stay (either side), the box splits
    between rows (here: after the heading and lead-in) or not at all; every part after the first opens
    with the continued heading."""
    from reportlab.lib.colors import white
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from ivig_handout.render.boxes import FramedRows
    from ivig_handout.render.fonts import MAIN, register_fonts

    register_fonts()
    style = ParagraphStyle("t", fontName=MAIN, fontSize=18, leading=25, allowWidows=0, allowOrphans=0)
    text = " ".join(f"word{n}" for n in range(22))  # five lines in the box (checked below)

    def box() -> FramedRows:
        rows = [Paragraph("Heading", style), Paragraph("Lead-in:", style), Paragraph(text, style)]
        made = FramedRows(rows, white, white, pad=10, continued=Paragraph("Heading (continued)", style))
        made.flexible = made.lines = True
        return made

    def count(para: Paragraph) -> int:
        para.wrap(280, 1e6)
        return len(para.blPara.lines)

    pads = 10 * 0.7 + 10 * 0.55
    head = pads + 2 * 25  # the heading and the lead-in
    assert count(box().rows[2]) == 5
    parts = box().split(300, head + 3 * 25 + 2)  # three lines here, two overleaf
    assert len(parts[0].rows) == 3 and len(parts[1].rows) == 2  # heading, lead-in, 3 lines / continued, 2 lines
    assert parts[1].rows[0].text == "Heading (continued)"
    assert [count(r) for r in (parts[0].rows[2], parts[1].rows[1])] == [3, 2]
    one_here = box().split(300, head + 1 * 25 + 5)  # one line would stay: after the lead-in instead
    assert [len(p.rows) for p in one_here] == [2, 2] and count(one_here[1].rows[1]) == 5
    assert box().split(300, pads + 25 + 5) == []  # the heading alone: the box goes on whole
    four = box().split(300, head + 4 * 25 + 5)  # one line would go on: three here, two overleaf
    assert [count(r) for r in (four[0].rows[2], four[1].rows[1])] == [3, 2]
