"""Issue 21's table: the example profile with only its clinic name changed (16 to 80 characters) and a
12-character patient name and a date, on the GBS and MG one-pagers, Letter and A4: printed (at which
body size, and the fitting steps taken) or refused. `python bench/fit_table.py [--long|--wide]`; --long
prints the longest profile (every field at its limit) on every one-pager, --wide the same in words of W."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from ivig_handout.api import Patient, Request, build, documents
from ivig_handout.errors import IvigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "clinic.yaml"
NAME = ("Springfield University Hospitals Neuromuscular Infusion Center and Neurology Clinic of the Midwest "
        "Region")
LENGTHS = (16, 20, 25, 30, 35, 40, 50, 60, 80)


def profile(folder: Path, name: str, **more: object) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(name=name, **more)
    path = folder / f"clinic-{len(list(folder.glob('*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def outcome(clinic: Path, doc: str, layout: str, patient: Patient) -> str:
    """What fitting made of it: "prints, 11 pt (the steps taken)" or "refused (how far)"."""
    try:
        result = build(Request(doc, layout, clinic=clinic, patient=patient, kind="one-pager"), stamp=False)
        steps = fitted(clinic, doc, layout, patient)
    except IvigError as exc:
        text = str(exc)
        far = text[text.find("(about"):text.find(")", text.find("(about")) + 1] if "(about" in text else ""
        return f"refused {far}".strip()
    return f"prints, {result.body:g} pt" + (f" ({', '.join(steps)})" if steps else "")


def fitted(clinic: Path, doc: str, layout: str, patient: Patient) -> tuple[str, ...]:
    """The fitting steps taken (render/fit.py's Fitted.steps; before them, what gave way)."""
    from ivig_handout.api import _inputs
    from ivig_handout.plan.profile import apply
    from ivig_handout.render.fit import fit

    handout, kind, doc_id, lay, profile = _inputs(Request(doc, layout, clinic=clinic, kind="one-pager"))
    done = fit(apply(kind.plan(handout, doc_id), profile, patient, handout.labels.clinic), kind, lay)
    return tuple(getattr(done, "steps", done.left_out))


def table(folder: Path) -> None:
    print("| clinic name | GBS letter | GBS a4 | MG letter | MG a4 |\n|---|---|---|---|---|")
    patient = Patient("Ana P. Souza", "1 Dec 2026")
    for n in LENGTHS:
        name = "Clínica São José" if n == 16 else NAME[:n].rstrip() + "x" * (n - len(NAME[:n].rstrip()))
        clinic = profile(folder, name)
        cells = [outcome(clinic, doc, layout, patient) for doc in ("gbs", "mg") for layout in ("letter", "a4")]
        print(f"| {n} | " + " | ".join(cells) + " |")


def wide(n: int) -> str:
    """``n`` characters of words of W, the widest letter."""
    words = "".join("W" * (3 + i % 9) + " " for i in range(n))[:n]
    return words[:-1].rstrip() + "W"


def longest(folder: Path, wide_letters: bool = False) -> None:
    """Every field at its documented limit (inputs/profile.LIMITS), on every one-pager; with
    ``wide_letters`` in words of W (the note in three paragraphs)."""
    from ivig_handout.inputs.profile import LIMITS

    def text(n: int) -> str:
        if wide_letters:
            return wide(n)
        words = ("Neuromuscular Infusion Clinic Springfield Associates " * 20)[:n]
        return words[:-1] + "x"

    clinic = profile(folder, text(LIMITS["name"]), department=text(LIMITS["department"]),
                     address="\n".join(text(LIMITS["address"]) for _ in range(3)),
                     phone="(217) 555-0142 ext. 12345 / 6789"[:LIMITS["phone"]],
                     website=("www.springfield-neuromuscular-infusion-center.example.org/ivig")[:LIMITS["website"]],
                     questions=text(LIMITS["questions"]), note_heading=text(LIMITS["note_heading"]),
                     note="\n\n".join(text(n) for n in (132, 132, 134)) if wide_letters else text(LIMITS["note"]))
    patient = Patient(text(LIMITS["patient_name"]), "28 September 2026")
    print("| one-pager | letter | a4 |\n|---|---|---|")
    for doc in documents(kind="one-pager"):
        print(f"| {doc} | " + " | ".join(outcome(clinic, doc, layout, patient) for layout in ("letter", "a4")) + " |")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(EXAMPLE.parent / "clinic-logo.png", folder / "clinic-logo.png")
        if "--long" in sys.argv or "--wide" in sys.argv:
            longest(folder, wide_letters="--wide" in sys.argv)
        else:
            table(folder)


if __name__ == "__main__":
    main()
