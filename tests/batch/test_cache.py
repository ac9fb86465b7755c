"""The render cache (personalise/disk.py): unpersonalised renderings kept in the user's cache folder under
a key that hashes every input, so a batch into a new folder copies instead of rendering, a changed
input renders again, and no patient's name ever reaches it."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from ivig_handout.api import RenderCache, Request, cached, render_pages
from ivig_handout.inputs.patient import SLOT, Patient
from ivig_handout.personalise import disk as cache_module

from ..conftest import edit
from ..pdfcheck import page_texts, squash
from ..render.test_clinic import EXAMPLE

SRC = Path(__file__).resolve().parents[2] / "src"
SAFETY_NET = 600  # seconds: a run ends on its own (tests wait for its exit); only a hang ever meets this
MEMORY_CAP = 1536 * 1024 * 1024  # bytes of address space for a run (one needs well under 1 GB): a whole
# read of a 2 GB entry fails at once instead of filling the machine's memory


def _batch(*args: str, cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "IVIG_HANDOUT_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "ivig_handout", "batch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=SAFETY_NET, check=False,
                          preexec_fn=_cap_memory)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


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


def test_the_least_recently_used_go_first_past_the_cap(tmp_path: Path) -> None:
    store = RenderCache(tmp_path / "c", cap=3800)  # room for three entries
    asked = {key: cache_module.Asked(key, {"document": key}) for key in "abcd"}
    for i, key in enumerate(("a", "b", "c")):
        store.put(asked[key], {"n": i}, b"x" * 1000)
        os.utime(store.folder / f"{key}.render", ns=(i * 10**9, i * 10**9))
    assert store.get(asked["a"]) is not None  # used now: the newest
    store.put(asked["d"], {}, b"y" * 1000)
    assert sorted(p.stem for p in store.folder.glob("*.render")) == ["a", "c", "d"]
    assert not list(store.folder.glob(".*.part"))  # written atomically: no leftovers


def test_a_full_folder_is_counted_once_per_so_many_entries_not_at_each(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting the folder stats every entry (12 ms for 3,000: a cold batch stores 52): a process counts it
    on its first entry and after SCAN_EVERY more, and at once when its own entries would pass the cap."""
    store = RenderCache(tmp_path / "c", cap=10**6)
    store.folder.mkdir()
    for i in range(300):  # another process's entries
        (store.folder / f"{i:064x}.render").write_bytes(b"z" * 100)
    counts: list[int] = []
    evict = RenderCache.evict
    monkeypatch.setattr(RenderCache, "evict", lambda self: counts.append(1) or evict(self))
    entries = cache_module.SCAN_EVERY + 8
    for i in range(entries):
        store.put(cache_module.Asked(f"k{i}", {"document": f"k{i}"}), {}, b"x" * 1000)
    assert len(counts) == 2  # the first entry, then after SCAN_EVERY more
    assert len(list(store.folder.glob("*.render"))) == 300 + entries  # under the cap: nothing removed
    small = RenderCache(store.folder, cap=300 * 100 + entries * 1100)  # the same folder, just about full
    small.put(cache_module.Asked("last", {"document": "last"}), {}, b"y" * 5000)
    assert len(counts) == 3  # this entry would pass the cap: counted (and evicted) at once
    assert sum(p.stat().st_size for p in store.folder.glob("*.render")) <= small.cap


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
    assert _entries(cache) == made  # the files came whole from the first run's kept files (batch/replay.py)
    shutil.rmtree(cache / "runs")
    again = _batch(*args, "--out-dir", "b2", cache=cache, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    after = _entries(cache)
    assert after.keys() == made.keys() and all(after[k] > made[k] for k in made)
    for pdf in (tmp_path / "a").glob("*.pdf"):
        assert (tmp_path / "b" / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name
        assert (tmp_path / "b2" / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name
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


# --- an entry proves it answers its key ------------------------------------------------------------------

def _roster(tmp_path: Path, name: str, disorder: str) -> Path:
    path = tmp_path / f"{disorder}.csv"
    path.write_text(f"name,disorder,date\n{name},{disorder},1 December 2026\n", encoding="utf-8")
    return path


def _texts(pdf: Path) -> str:
    return squash(" ".join(page_texts(pdf.read_bytes())))


def test_an_entry_copied_over_another_key_never_prints(tmp_path: Path) -> None:
    """The GBS template's entry copied over the MG template's key: an MG roster still prints the MG
    handout (read back from the PDF), and the MG entry is made again (no longer the GBS one)."""
    cache = tmp_path / "cache"
    gbs, mg = _roster(tmp_path, "Ann Lee", "gbs"), _roster(tmp_path, "Ann Lee", "mg")
    assert _batch("--roster", str(gbs), "--out-dir", "g", cache=cache, cwd=tmp_path).returncode == 0
    (gbs_entry,) = cache.iterdir()
    assert _batch("--roster", str(mg), "--out-dir", "m", cache=cache, cwd=tmp_path).returncode == 0
    (mg_entry,) = set(cache.iterdir()) - {gbs_entry}
    assert "Myasthenia gravis" in _texts(tmp_path / "m" / "roster-letter.pdf")
    mg_entry.write_bytes(gbs_entry.read_bytes())
    done = _batch("--roster", str(mg), "--out-dir", "again", cache=cache, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = _texts(tmp_path / "again" / "roster-letter.pdf")
    assert "Prepared for Ann Lee" in text and "IVIg for Myasthenia gravis (MG)" in text
    assert "Guillain" not in text
    assert mg_entry.read_bytes() != gbs_entry.read_bytes()  # replaced by the MG template
    assert (tmp_path / "again" / "roster-letter.pdf").read_bytes() == (tmp_path / "m" / "roster-letter.pdf").read_bytes()


def test_a_forged_page_count_never_reaches_the_manifest(tmp_path: Path) -> None:
    """Every entry's line given ``"pages": 7`` (its checksum still right): a roster's row files (whose
    page counts are their template's) are listed with the pages of the PDFs written (read back with
    pikepdf), never 7."""
    cache = tmp_path / "cache"
    roster = tmp_path / "r.csv"
    roster.write_text("name,disorder,layout,date\nAnn Lee,mg,letter,1 December 2026\n"
                      "Bo Chan,full,a4,2 December 2026\n", encoding="utf-8")
    args = ["--roster", str(roster), "--files"]
    assert _batch(*args, "--out-dir", "a", cache=cache, cwd=tmp_path).returncode == 0
    entries = list(cache.glob("*.render"))
    assert len(entries) == 2
    for entry in entries:
        head, _, data = entry.read_bytes().partition(b"\n")
        entry.write_bytes(json.dumps({**json.loads(head), "pages": 7}).encode() + b"\n" + data)
    done = _batch(*args, "--out-dir", "b", cache=cache, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    counts = {}
    for record in manifest["files"]:
        with pikepdf.open(tmp_path / "b" / record["file"]) as pdf:
            counts[record["file"]] = (record["pages"], len(pdf.pages))
    assert len(counts) == 4 and all(listed == real != 7 for listed, real in counts.values()), counts


def test_an_entry_whose_line_claims_another_request_is_not_used(store: RenderCache) -> None:
    """An entry rewritten to claim the MG key and request (checksum and all) over the GBS template's
    PDF: its PDF's title is not MG's, so MG is rendered again and replaces it."""
    from ivig_handout.api import template_for

    gbs, mg = (Request(d, "letter", patient=Patient(SLOT, SLOT)) for d in ("gbs", "mg"))
    cached(store, gbs, template_for)
    gbs_entry = store.folder / f"{store.key(gbs)}.render"
    head, _, data = gbs_entry.read_bytes().partition(b"\n")
    asked = store.ask(mg)
    assert asked is not None
    forged = {**json.loads(head), "key": asked.key, "request": asked.request}
    (store.folder / f"{asked.key}.render").write_bytes(json.dumps(forged).encode() + b"\n" + data)
    calls: list[Request] = []
    made = cached(store, mg, lambda r: calls.append(r) or template_for(r))
    assert calls == [mg] and made.about.title == "IVIg for Myasthenia gravis (MG)"
    assert "Myasthenia gravis" in " ".join(page_texts(made.data))
    assert cached(store, mg, lambda r: pytest.fail("rendered again")).data == made.data  # the new entry holds


def _cut(raw: bytes) -> bytes:
    return raw[:-100]


def _flip(raw: bytes) -> bytes:
    middle = len(raw) // 2
    return raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1:]


@pytest.mark.parametrize("damage", [
    _cut, _flip, lambda raw: b"", lambda raw: raw.partition(b"\n")[0], lambda raw: b"not json\n" + raw,
    lambda raw: b"[" * 100_000 + b"\n" + raw.partition(b"\n")[2], lambda raw: b"\x00" * 5000,
], ids=["truncated", "garbled", "empty", "line-only", "not-json", "nested-json", "zeros"])
def test_a_damaged_entry_is_rendered_again_and_replaced(store: RenderCache, damage) -> None:  # type: ignore[no-untyped-def]
    request = Request("cidp", "letter")
    good = cached(store, request, render_pages)
    entry = store.folder / f"{store.key(request)}.render"
    kept = entry.read_bytes()
    entry.write_bytes(damage(kept))
    calls: list[Request] = []
    again = cached(store, request, lambda r: calls.append(r) or render_pages(r))
    assert calls == [request] and again.data == good.data and again.pages == good.pages
    assert entry.read_bytes() == kept  # the same entry written again


def test_an_entry_of_the_older_format_is_rendered_again_and_replaced(store: RenderCache) -> None:
    """An entry as the first format wrote it (a line of values and the sha256, no format, key or
    request) cannot show which request it answers: rendered again, and replaced by the current format."""
    import hashlib

    request = Request("mmn", "a4")
    made = render_pages(request)
    old = {"pages": made.pages, "layout": made.layout.name, "mono": made.layout.mono, "kind": made.kind,
           "document": made.document, "file_name": made.file_name, "body": made.body, "left_out": [],
           "notes": [], "about": {"title": made.about.title, "edition": made.about.edition,
                                  "source_year": made.about.source_year, "patient": None},
           "slots": [], "sha256": hashlib.sha256(made.data).hexdigest()}
    entry = store.folder / f"{store.key(request)}.render"
    store.folder.mkdir()
    entry.write_bytes(json.dumps(old).encode() + b"\n" + made.data)
    calls: list[Request] = []
    again = cached(store, request, lambda r: calls.append(r) or render_pages(r))
    assert calls == [request] and again.data == made.data
    head = json.loads(entry.read_bytes().partition(b"\n")[0])
    assert head["format"] == cache_module.FORMAT and head["key"] == store.key(request)
    assert head["request"]["document"] == "mmn" and head["request"]["layout"] == "a4"


# --- entries that are not regular files, or too large: a miss, never a hang or a whole read -------------

def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _sparse(path: Path) -> None:
    path.touch()
    os.truncate(path, 2 * 1024**3)  # 2 GB at once, no disk used


def _link_to_fifo(path: Path) -> None:
    os.mkfifo(path.with_name("elsewhere.fifo"))
    path.symlink_to(path.with_name("elsewhere.fifo"))


def _folder(path: Path) -> None:
    path.mkdir()


@pytest.mark.parametrize("make", [_fifo, _zero, _sparse, _link_to_fifo, _folder],
                         ids=["fifo", "dev-zero", "sparse-2GB", "link-to-fifo", "folder"])
def test_an_entry_that_is_not_a_readable_file_is_a_miss(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    """A roster batch whose template entry is a FIFO (it would block in open() for ever), a link to
    /dev/zero or a sparse 2 GB file (read whole, then MemoryError), a link to a FIFO, or a folder:
    the batch finishes (the test waits for its exit), prints the right handout, says nothing of the
    entry, and the entry is a good one again (a folder cannot be replaced: it stays a miss)."""
    cache = tmp_path / "cache"
    roster = _roster(tmp_path, "Ann Lee", "mg")
    assert _batch("--roster", str(roster), "--out-dir", "first", cache=cache, cwd=tmp_path).returncode == 0
    (entry,) = cache.glob("*.render")
    good = entry.read_bytes()
    entry.unlink()
    make(entry)
    done = _batch("--roster", str(roster), "--out-dir", "out", cache=cache, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr and "Error" not in done.stderr
    assert (tmp_path / "out" / "roster-letter.pdf").read_bytes() == (tmp_path / "first" / "roster-letter.pdf").read_bytes()
    assert "IVIg for Myasthenia gravis (MG)" in _texts(tmp_path / "out" / "roster-letter.pdf")
    if make is _folder:
        assert entry.is_dir()
    else:
        assert not entry.is_symlink() and entry.read_bytes() == good
