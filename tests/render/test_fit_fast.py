"""Issue 25: render/stamp.fits decides whether a name or date in the main face's characters fits its slot
from that face's own width table (no ReportLab), and its decision is ReportLab's (markup.text_width
against the slot's room) for every value, also within a hair of the room."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from ivig_handout.inputs.text import main_safe, normalise
from ivig_handout.render.fonts import register_main
from ivig_handout.render.markup import is_bold, text_width
from ivig_handout.render.record import Slot
from ivig_handout.render.stamp import fits, main_width

SRC = Path(__file__).resolve().parents[2] / "src"
FACES = ("Atkinson-Bold", "Atkinson", "Atkinson-BoldItalic", "Atkinson-Italic")
SIZES = (11.0, 12.0, 18.0, 9.5, 13.2)
NAMES = ["Patient 0001", "Ana Lima", "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "Anne (Nan) O'Brien \\ Jr", "José Núñez",
         "Élodie Ünal-Ørsted", "Łódź Wiśniewska", "Maria da Conceição Albuquerque Nascimento", "i" * 60,
         "1 December 2026", "2026-12-01", "Wednesday, 30 September 2026", "Nguyễn Thị Minh 0010", "Ω Omega",
         "  two   spaces  ", "M\u0304ary", "A\u00a0B"]


def _slot(face: str, size: float, room: float) -> Slot:
    return Slot("patient name", 0, room, room, face, size, size * 1.18, "#1a1a1a", ("", "", "AtkinsonHyperlegible-Bold"))


def _exact(slot: Slot, value: str) -> bool:
    """The decision as made before (ReportLab's widths) for a value in the main face's characters."""
    register_main()
    return text_width(value, slot.size, bold=is_bold(slot.font)) <= slot.room


def _names() -> list[str]:
    """NAMES and 600 random strings of the main face's characters (accents, W, digits, punctuation)."""
    rng = random.Random(25)
    chars = sorted(main_safe())
    made = [normalise("".join(rng.choice(chars) for _ in range(rng.randint(1, 45)))) for _ in range(600)]
    return NAMES + [name for name in made if name]


def test_the_width_table_gives_reportlabs_widths() -> None:
    register_main()
    for name in _names():
        text = normalise(name)
        if main_safe().issuperset(text):
            for bold in (False, True):
                assert main_width(text, 11.0, bold) == pytest.approx(text_width(text, 11.0, bold), abs=1e-9), name


@pytest.mark.parametrize("face", FACES)
def test_the_fast_decision_is_the_exact_one_also_at_the_limit(face: str) -> None:
    """For each name, slots whose room is its exact width, a hair either side of it (where the table's
    sum may round the other way), 0.01 pt either side and far off: the decision is ReportLab's."""
    register_main()
    checked = 0
    for size in SIZES:
        for name in _names():
            text = normalise(name)
            if not main_safe().issuperset(text):
                continue
            exact = text_width(name, size, bold=is_bold(face))
            for room in (exact, exact - 1e-12, exact + 1e-12, exact - 1e-6, exact + 1e-6, exact - 0.01, exact + 0.01,
                         exact / 2, exact * 2, 305.84, 104.5):
                slot = _slot(face, size, room)
                assert fits(slot, name) == _exact(slot, name), (name, size, room)
                checked += 1
    assert checked > 10_000


def test_names_outside_the_main_face_are_decided_as_before() -> None:
    """Names that need the fallback face or another script keep ReportLab's own decision."""
    for name in ("Nguyễn Thị Minh 0010", "Ω Omega", "Иван Петров", "Ŋgozi ɓello"):
        for room in (30.0, 60.0, 120.0, 305.84):
            slot = _slot("Atkinson-Bold", 11.0, room)
            assert fits(slot, name) == _exact(slot, name), (name, room)
    assert not fits(_slot("Atkinson-Bold", 11.0, 305.84), "محمد علي")  # shaped: rendered in full


def test_fitting_a_name_in_the_main_face_imports_no_reportlab() -> None:
    """In a fresh process (this one has ReportLab loaded): deciding for ASCII and accented names, and
    the roster's route to the decision, loads none of ReportLab."""
    code = (
        "import sys\n"
        "from ivig_handout.render.record import Slot\n"
        "from ivig_handout.personalise.decide import stamp_values\n"
        "from ivig_handout.inputs.patient import Patient\n"
        "slot = Slot('patient name', 0, 305.84, 305.84, 'Atkinson-Bold', 11.0, 12.98, '#1a1a1a', ('', '', 'X'))\n"
        "date = Slot('date', 0, 104.5, 115.5, 'Atkinson-Bold', 11.0, 12.98, '#1a1a1a', ('', '', 'X'))\n"
        "print(stamp_values((slot, date), Patient('José Núñez', '1 December 2026')) is not None,\n"
        "      stamp_values((slot, date), Patient('W' * 60, '1 December 2026')) is None,\n"
        "      sorted(m for m in sys.modules if m.split('.')[0] == 'reportlab'))\n"
    )
    assert _printed(code) == ["True", "True", "[]"]


def _mixed_names() -> list[str]:
    """400 random names mixing the main face's characters with Vietnamese, Latin Extended and other
    letters the main face lacks (drawn in the fallback face), and NAMES' such names."""
    rng = random.Random(2025)
    main = sorted(main_safe())
    other = [chr(cp) for first, last in ((0x1EA0, 0x1EF9), (0x100, 0x24F), (0x250, 0x2AF)) for cp in range(first, last + 1)]
    made = [normalise("".join(rng.choice(other if rng.random() < 0.3 else main) for _ in range(rng.randint(1, 45))))
            for _ in range(400)]
    return [*NAMES, "Ŋgozi ɓello", *made]


def _fallback_names() -> list[str]:
    """Those of _mixed_names that fits measures by the two faces' tables (not shaped, not another script,
    some character outside the main face's safe ones)."""
    from ivig_handout.inputs.text import needs_shaping, script_lang

    return [name for name in map(normalise, _mixed_names())
            if name and not main_safe().issuperset(name) and not needs_shaping(name) and script_lang(name) is None]


def test_the_two_faces_tables_give_reportlabs_widths() -> None:
    """A name with letters the main face lacks: the width from the main and fallback faces' tables is
    markup.text_width's (ReportLab's), character by character in the face markup chooses."""
    from ivig_handout.render.stamp import mixed_width

    register_main()
    names = _fallback_names()
    assert len(names) > 250
    for name in names:
        for bold in (False, True):
            for size in SIZES:
                assert mixed_width(name, size, bold) == pytest.approx(text_width(name, size, bold), abs=1e-9), name


@pytest.mark.parametrize("face", FACES)
def test_the_fast_decision_for_fallback_letters_is_the_exact_one_also_at_the_limit(face: str) -> None:
    """As for the main face's characters: slots whose room is the name's exact width, a hair either
    side, 0.01 pt either side and far off; the decision is ReportLab's."""
    register_main()
    checked = 0
    for size in (11.0, 9.5):
        for name in _fallback_names():
            exact = text_width(name, size, bold=is_bold(face))
            for room in (exact, exact - 1e-12, exact + 1e-12, exact - 1e-6, exact + 1e-6, exact - 0.01, exact + 0.01,
                         exact / 2, exact * 2, 305.84):
                slot = _slot(face, size, room)
                assert fits(slot, name) == _exact(slot, name), (name, size, room)
                checked += 1
    assert checked > 5_000


def test_fitting_a_name_with_fallback_letters_imports_no_reportlab() -> None:
    """In a fresh process: deciding for a Vietnamese name (letters from the fallback face) loads none
    of ReportLab unless the name is within a hair of its slot's room."""
    code = (
        "import sys\n"
        "from ivig_handout.render.record import Slot\n"
        "from ivig_handout.render.stamp import fits\n"
        "wide = Slot('patient name', 0, 305.84, 305.84, 'Atkinson-Bold', 11.0, 12.98, '#1a1a1a', ('', '', 'X'))\n"
        "narrow = Slot('patient name', 0, 30.0, 30.0, 'Atkinson-Bold', 11.0, 12.98, '#1a1a1a', ('', '', 'X'))\n"
        "print(fits(wide, 'Nguyễn Thị Minh 0010'), fits(narrow, 'Nguyễn Thị Minh 0010'),\n"
        "      sorted(m for m in sys.modules if m.split('.')[0] == 'reportlab'))\n"
    )
    assert _printed(code) == ["True", "False", "[]"]


@pytest.mark.parametrize("family", ["Atkinson", "DejaVu", "NotoArabic", "NotoHebrew", "NotoDevanagari"])
def test_every_faces_width_table_and_coverage_are_reportlabs(family: str) -> None:
    """inputs.fonts reads each bundled face's widths and characters as ReportLab does (TTFontFile): the
    same width for every character (but U+FFFF, a non-character ReportLab lists), glyph 0's width for
    the others, and the characters with a glyph."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    from ivig_handout.inputs.fonts import SUFFIXES, advances, coverage, face_path

    for face in (family + suffix for suffix in SUFFIXES):
        theirs = TTFontFile(str(face_path(face)))
        widths, default = advances(str(face_path(face)))
        assert widths == {cp: w for cp, w in theirs.charWidths.items() if cp != 0xFFFF}, face
        assert default == theirs.defaultWidth, face
        assert coverage(face) == {cp for cp, glyph in theirs.charToGlyph.items() if glyph and cp != 0xFFFF}, face


def _printed(code: str) -> list[str]:
    """The words ``code`` prints, run in a new Python process (its imports its own)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()
