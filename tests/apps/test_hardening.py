"""Bad input of every kind: one clear line, the right exit code, no traceback, nothing lost."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivig_handout.apps.cli import main
from ivig_handout.errors import ContentError
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import Sheet
from ivig_handout.inputs.validate import validate
from ivig_handout.inputs.yamlio import MAX_BYTES, loads


def build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args])
    assert "Traceback" not in result.stderr and result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


@contextlib.contextmanager
def mounted_tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_oversized_file_refused(pack: Path, tmp_path: Path) -> None:
    (pack / "labels.yaml").write_text("# padding\n" * (MAX_BYTES // 10 + 1))
    code, err = build("--content", str(pack), "-o", str(tmp_path / "x.pdf"))
    assert code == 1
    assert "labels.yaml: file is" in one_error_line(err) and "the limit is" in err


def test_content_folder_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "notafolder").write_text("hello")
    code, err = build("--content", str(tmp_path / "notafolder"), "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "content folder not found" in one_error_line(err)


def test_content_file_is_a_folder(pack: Path, tmp_path: Path) -> None:
    (pack / "labels.yaml").unlink()
    (pack / "labels.yaml").mkdir()
    code, err = build("--content", str(pack), "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "labels.yaml: is a folder" in one_error_line(err)


def test_output_under_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, err = build("-o", str(tmp_path / "file" / "out.pdf"))
    assert code == 1 and "is a file, not a folder" in one_error_line(err)


def test_output_cannot_be_written(tmp_path: Path) -> None:
    with mounted_tmpfs(tmp_path / "ro", "ro,size=64k") as ro:
        code, err = build("-o", str(ro / "out.pdf"))
    assert code == 1
    assert "read-only" in one_error_line(err)


def test_full_disk_keeps_the_old_file(tmp_path: Path) -> None:
    with mounted_tmpfs(tmp_path / "small", "size=12k") as small:
        target = small / "sheet.pdf"
        target.write_bytes(b"%PDF-old")
        code, err = build("-o", str(target))
        assert code == 1
        assert "the disk is full" in one_error_line(err)
        assert target.read_bytes() == b"%PDF-old"
        assert sorted(p.name for p in small.iterdir()) == ["sheet.pdf"]  # no temporary file left


def test_failed_run_keeps_existing_output(pack: Path, tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"%PDF-earlier-run")
    (pack / "sheet.yaml").write_text("title: [broken\n")
    code, _ = build("--content", str(pack), "-o", str(target))
    assert code == 1
    assert target.read_bytes() == b"%PDF-earlier-run"


def test_existing_output_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"old")
    code, _ = build("-o", str(target))
    assert code == 0
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_markup_in_content_prints_literally(pack: Path, tmp_path: Path) -> None:
    from ..pdfcheck import body_text, fonts

    nasty = 'Polymyositis <b>bold</b> <img src="/etc/passwd"/> <a href="http://x.invalid">x</a> & &amp;'
    text = (pack / "sheet.yaml").read_text(encoding="utf-8")
    (pack / "sheet.yaml").write_text(text.replace("name: Polymyositis", f"name: '{nasty}'", 1), encoding="utf-8")
    out = tmp_path / "x.pdf"
    code, err = build("--content", str(pack), "-o", str(out))
    assert code == 0, err
    assert nasty in body_text(out.read_bytes())
    assert all(f.embedded for f in fonts(out.read_bytes()))


SCALARS = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none(), st.sampled_from(["no", "off", "~", "2012"]))
KEYS = st.sampled_from(["title", "meta", "introduction", "heading", "paragraphs", "groups", "id", "name",
                        "rating", "disorders", "source", "year", "review_date", "language", "x"])
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(DOCS)
def test_random_yaml_gives_model_or_clear_error(doc: object) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        sheet = validate(loads(text, "random.yaml"), Sheet)
    except ContentError as exc:
        assert exc.problems and all(p.startswith("random.yaml") for p in exc.problems)
        assert all("\n" not in p for p in exc.problems)
    else:
        assert isinstance(sheet, Sheet)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_random_text_gives_model_or_clear_error(text: str) -> None:
    try:
        validate(loads(text, "random.yaml"), Sheet)
    except ContentError as exc:
        assert exc.problems and all(p.startswith("random.yaml") for p in exc.problems)


def test_alias_bomb_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    with pytest.raises(ContentError, match="more than"):
        loads(bomb, "bomb.yaml")


def test_shipped_content_loads() -> None:
    assert len(load_handout().disorders()) == 12
