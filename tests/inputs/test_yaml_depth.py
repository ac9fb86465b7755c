"""Deep nesting in any YAML file (content pack, clinic profile, job file) is refused with one located
line, by libyaml's path and PyYAML's own parser alike, before anything recurses: no RecursionError,
no traceback (how fast: bench/limits.py). Aliases that nest a list in itself, or chain anchors deeper than the limit,
are refused the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ivig_handout.errors import ContentError
from ivig_handout.inputs import yamlio
from ivig_handout.inputs.yamlio import MAX_DEPTH, loads

from .common import one_error, run_cli

LEVELS = 10_000
MESSAGE = f"lists and mappings are nested more than {MAX_DEPTH} levels deep here"

# (text, line and column of the first list or mapping past the limit)
DEEP = {
    "block-sequences": ("- " * LEVELS + "x\n", (1, 2 * MAX_DEPTH + 1)),
    "block-mappings": ("".join("  " * i + "k:\n" for i in range(1_000)) + "  " * 1_000 + "x\n", (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)),
    "flow-sequences": ("[" * LEVELS + "]" * LEVELS + "\n", (1, MAX_DEPTH + 1)),
    "flow-mappings": ("{a: " * LEVELS + "x" + "}" * LEVELS + "\n", (1, 4 * MAX_DEPTH + 1)),
    "flow-unclosed": ("k: " + "[" * 1_000_000, (1, MAX_DEPTH + 3)),
    "in-a-mapping": ("title: x\nmeta:\n  notes: " + "[" * LEVELS + "]" * LEVELS + "\n", (3, 10 + MAX_DEPTH - 2)),
}


@pytest.fixture(params=["libyaml", "pyyaml"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs with libyaml's parser (when PyYAML has it) and with PyYAML's own."""
    if request.param == "libyaml" and yamlio._FAST_LOADER is None:
        pytest.skip("PyYAML built without libyaml")
    if request.param == "pyyaml":
        monkeypatch.setattr(yamlio, "_FAST_LOADER", None)
    yield request.param


@pytest.mark.parametrize("style", list(DEEP))
def test_deep_nesting_is_one_located_error(parser: str, style: str) -> None:
    text, (line, col) = DEEP[style]
    with pytest.raises(ContentError) as info:
        loads(text, "deep.yaml")
    assert info.value.problems == [f"deep.yaml:{line}:{col}: {MESSAGE}; a content pack, profile or job needs only a few"]


def test_the_limit_itself_is_allowed(parser: str) -> None:
    data = loads("a: " + "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1), "x.yaml").data
    for _ in range(MAX_DEPTH):
        data = data["a"] if isinstance(data, dict) else data[0]
    assert data == "x"
    with pytest.raises(ContentError, match=MESSAGE):
        loads("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, "x.yaml")


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: [1, *a]}\n", "- &x\n  - *x\n"])
def test_an_alias_inside_its_own_anchor_is_refused(parser: str, text: str) -> None:
    with pytest.raises(ContentError) as info:
        loads(text, "loop.yaml")
    (problem,) = info.value.problems
    assert problem.startswith("loop.yaml:") and "refers to a list or mapping that contains it" in problem


def test_a_chain_of_anchors_deeper_than_the_limit_is_refused(parser: str) -> None:
    """Each line nests only two levels, but the aliases make a tree 200 levels deep."""
    text = "a0: &a0 [x]\n" + "".join(f"a{i + 1}: &a{i + 1} [*a{i}]\n" for i in range(200))
    with pytest.raises(ContentError, match=MESSAGE):
        loads(text, "chain.yaml")
    shallow = "a0: &a0 [x]\n" + "".join(f"a{i + 1}: &a{i + 1} [*a{i}]\n" for i in range(10))
    assert loads(shallow, "chain.yaml").data["a10"] == [[[[[[[[[[["x"]]]]]]]]]]]


@pytest.mark.parametrize(("name", "style"), [("sheet.yaml", "block-sequences"), ("sheet.yaml", "flow-sequences"),
                                           ("labels.yaml", "flow-mappings"), ("corrections.yaml", "block-mappings")])
def test_deep_content_file_through_the_cli(pack: Path, tmp_path: Path, parser: str, name: str, style: str) -> None:
    text, (line, col) = DEEP[style]
    (pack / name).write_text(text)
    out = tmp_path / "o.pdf"
    err = one_error(*run_cli("build", "--content", str(pack), "-o", str(out))[::2])
    assert err.startswith(f"error: {pack}/{name}:{line}:{col}: {MESSAGE}")
    assert not out.exists()
    code, stdout, _ = run_cli("check", "--content", str(pack), "--skip-fit")
    assert code == 1 and f"{pack}/{name}:{line}:{col}: {MESSAGE}" in stdout


@pytest.mark.parametrize("style", ["block-sequences", "flow-mappings"])
def test_deep_profile_and_job_through_the_cli(tmp_path: Path, parser: str, style: str) -> None:
    text, (line, col) = DEEP[style]
    profile, job = tmp_path / "clinic.yaml", tmp_path / "job.yaml"
    profile.write_text(text)
    job.write_text(text)
    err = one_error(*run_cli("build", "--clinic", str(profile), "-o", str(tmp_path / "o.pdf"))[::2])
    assert err.startswith(f"error: {profile}:{line}:{col}: {MESSAGE}")
    err = one_error(*run_cli("batch", str(job))[::2])
    assert err.startswith(f"error: {job}:{line}:{col}: {MESSAGE}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.yaml", "job.yaml"]


def test_deep_nesting_as_the_value_of_a_known_field(pack: Path, tmp_path: Path, parser: str) -> None:
    """Nested inside a real sheet (a disorder's aliases), not only as the whole file."""
    text = (pack / "sheet.yaml").read_text(encoding="utf-8")
    deep = "[" * LEVELS + "]" * LEVELS
    (pack / "sheet.yaml").write_text(text.replace("aliases: [dm]", f"aliases: {deep}", 1), encoding="utf-8")
    line = next(n for n, x in enumerate(text.splitlines(), start=1) if "aliases: [dm]" in x)
    # sheet > helpful > groups > [4] > disorders > [0] are 6 levels: the aliases' 59th bracket is the 65th level
    col = text.splitlines()[line - 1].index("[dm]") + 1 + (MAX_DEPTH - 6)
    err = one_error(*run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert err.startswith(f"error: {pack}/sheet.yaml:{line}:{col}: {MESSAGE}"), err


def test_a_two_megabyte_file_of_brackets_is_refused_at_the_first_bracket_too_deep(pack: Path, tmp_path: Path,
                                                                                  parser: str) -> None:
    """Refused where the 65th bracket opens (line 1, column 65), not after the other two million."""
    (pack / "sheet.yaml").write_text("[" * (yamlio.MAX_BYTES - 1))
    err = one_error(*run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert err.startswith(f"error: {pack}/sheet.yaml:1:{MAX_DEPTH + 1}: {MESSAGE}"), err
