"""The default batch (`make handouts`, colour and --mono) is byte-identical to its golden record.

A change to any PDF shows here and in review: refresh the record on purpose with `make golden`.
"""

from __future__ import annotations

import pytest

from .golden import batch_shas, read, versions


def test_default_batch_matches_the_golden_record() -> None:
    record = read()
    if record["versions"] != versions():
        pytest.skip(f"the golden record was made with {record['versions']}; this machine has {versions()} "
                    "(PDF bytes depend on them): run `make golden` and review the diff")
    now = batch_shas()
    assert len(record["files"]) == 140  # 13 documents and a print run, x 5 layouts, x colour and mono
    differ = sorted(f for f in record["files"].keys() | now.keys() if record["files"].get(f) != now.get(f))
    assert not differ, f"{len(differ)} files differ from tests/golden/default-batch.json: {differ[:10]}"
