"""The render cache (batch/cache.py): unpersonalised renderings kept in the user's cache folder under
a key that hashes every input, so a batch into a new folder copies instead of rendering, a changed
input renders again, and no patient's name ever reaches it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ivig_handout.api import Request, render_pages
from ivig_handout.batch import cache as cache_module
from ivig_handout.batch.cache import Asked, RenderCache, cached
from ivig_handout.inputs.patient import SLOT, Patient

from ..conftest import edit
from ..render.test_clinic import EXAMPLE

SRC = Path(__file__).resolve().parents[2] / "src"


def _batch(*args: str, cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "IVIG_HANDOUT_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "ivig_handout", "batch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _entries(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.render")} if folder.exists() else {}


@pytest.fixture
def store(tmp_path: Path) -> RenderCache:
    return RenderCache(tmp_path / "cache")


def test_every_input_is_in_the_key(store: RenderCache, pack: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing any input (content, profile, logo, document, kind, layout, greyscale, slots, the
    program, ReportLab or pikepdf) gives another key; the same inputs give the same key."""
    profile = tmp_path / "clinic.yaml"
    profile.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    logo = EXAMPLE.parent / "clinic-logo.png"
    (tmp_path / logo.name).write_bytes(logo.read_bytes())
    base = Request("gbs", "letter", False, pack, profile, None, "one-pager")
    key = store.key(base)
    assert key is not None and store.key(replace(base)) == key
    variants = [replace(base, document="mg"), replace(base, layout="a4"), replace(base, mono=True),
                replace(base, kind=None), replace(base, clinic=None),
                replace(base, patient=Patient(SLOT, None)), replace(base, patient=Patient(SLOT, SLOT))]
    keys = [store.key(v) for v in variants]
    assert None not in keys and len({key, *keys}) == len(keys) + 1
    edit(pack, "sheet.yaml", "IVIg", "IVIG")
    assert store.key(base) not in (key, None)  # (the pack was a copy of the bundled one: the same key as it)
    edited = store.key(base)
    (tmp_path / logo.name).write_bytes(logo.read_bytes() + b"\0")
    assert store.key(base) != edited
    logo_changed = store.key(base)
    profile.write_text(profile.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert store.key(base) != logo_changed
    now = store.key(base)
    monkeypatch.setattr(cache_module, "_libraries", lambda: ["reportlab 0.0", "pikepdf 0.0"])
    assert store.key(base) != now
    monkeypatch.setattr(cache_module, "program_digest", lambda: "another program")
    assert store.key(base) != now


def test_a_patients_handout_has_no_key(store: RenderCache) -> None:
    for who in (Patient("Ana Lima", None), Patient(None, "1 December 2026"), Patient(SLOT, "1 December 2026")):
        assert store.key(Request("gbs", patient=who)) is None


def test_a_hit_is_the_rendering_and_is_not_rendered_again(store: RenderCache) -> None:
    request = Request("mg", "a4")
    calls: list[Request] = []

    def render(r: Request):  # type: ignore[no-untyped-def]
        calls.append(r)
        return render_pages(r)

    first = cached(store, request, render)
    second = cached(store, request, render)
    assert len(calls) == 1
    assert (second.data, second.pages, second.layout.name, second.document, second.file_name, second.body,
            second.about, second.notes) == (first.data, first.pages, first.layout.name, first.document,
                                            first.file_name, first.body, first.about, first.notes)
    assert list(store.folder.iterdir()) == [store.folder / f"{store.key(request)}.render"]
    assert oct(store.folder.stat().st_mode & 0o777) == oct(0o700)


def test_a_template_keeps_its_slots(store: RenderCache) -> None:
    from ivig_handout.api import template_for

    request = Request("gbs", "letter", patient=Patient(SLOT, SLOT))
    made = cached(store, request, template_for)
    again = cached(store, request, lambda r: pytest.fail("rendered again"))
    assert again.slots == made.slots and len(made.slots) == 2 and again.data == made.data


def test_a_damaged_entry_is_rendered_again_and_replaced(store: RenderCache) -> None:
    request = Request("cidp", "letter")
    good = cached(store, request, render_pages)
    entry = store.folder / f"{store.key(request)}.render"
    entry.write_bytes(entry.read_bytes()[:-100])  # cut short
    again = cached(store, request, render_pages)
    assert again.data == good.data and entry.read_bytes().endswith(good.data)


def test_the_least_recently_used_go_first_past_the_cap(tmp_path: Path) -> None:
    store = RenderCache(tmp_path / "c", cap=3800)  # room for three entries
    asked = {key: Asked(key, {"document": key}) for key in "abcd"}
    for i, key in enumerate(("a", "b", "c")):
        store.put(asked[key], {"n": i}, b"x" * 1000)
        os.utime(store.folder / f"{key}.render", ns=(i * 10**9, i * 10**9))
    assert store.get(asked["a"]) is not None  # used now: the newest
    store.put(asked["d"], {}, b"y" * 1000)
    assert sorted(p.stem for p in store.folder.glob("*.render")) == ["a", "c", "d"]
    assert not list(store.folder.glob(".*.part"))  # written atomically: no leftovers


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way")
    store = RenderCache(tmp_path / "file" / "cache")
    made = cached(store, Request("mmn", "letter"), render_pages)
    assert made.pages == 1


def test_a_batch_into_a_new_folder_copies_and_a_changed_input_renders_again(pack: Path, tmp_path: Path) -> None:
    """The CLI: a second batch into a new folder makes the same files from the cache (no new entry;
    every entry it used marked used); --no-cache renders without it; an edited pack adds entries."""
    cache = tmp_path / "cache"
    args = ["--all", "--layouts", "letter,booklet", "--content", str(pack)]
    first = _batch(*args, "--out-dir", "a", cache=cache, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    made = _entries(cache)
    assert len(made) == 26  # the full sheet and 12 one-pagers on the letter and the booklet page design
    second = _batch(*args, "--out-dir", "b", cache=cache, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    after = _entries(cache)
    assert after.keys() == made.keys() and all(after[k] > made[k] for k in made)
    for pdf in (tmp_path / "a").glob("*.pdf"):
        assert (tmp_path / "b" / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name
    none = tmp_path / "no-cache"
    plain = _batch(*args, "--out-dir", "c", "--no-cache", cache=none, cwd=tmp_path)
    assert plain.returncode == 0 and not none.exists()
    for pdf in (tmp_path / "a").glob("*.pdf"):
        assert (tmp_path / "c" / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name
    edit(pack, "sheet.yaml", "IVIg", "IVIG")
    third = _batch(*args, "--out-dir", "d", cache=cache, cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert len(_entries(cache)) == 52


def test_a_roster_caches_templates_but_never_a_name(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    names = ["Ana Lima", "Nguyễn Thị Minh", "Łódź Wiśniewska"]
    (tmp_path / "r.csv").write_text("name,disorder,date\n" + "".join(f"{n},gbs,1 December 2026\n" for n in names),
                                    encoding="utf-8")
    done = _batch("--roster", "r.csv", "--out-dir", "out", "--files", cache=cache, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(_entries(cache)) == 1  # one template: gbs on letter, name and date as slots
    stored = b"".join(p.read_bytes() for p in cache.iterdir())
    for name in names:
        for part in name.split():
            assert part.encode() not in stored and part.encode("utf-16-be") not in stored
    assert b"December" not in stored
