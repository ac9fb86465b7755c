"""Speed work must not change a byte: record the default batch's sha256s, change the code, check them.

    python bench/same_output.py record /tmp/before.json   # before the change
    python bench/same_output.py check /tmp/before.json    # after it: exit 1 and the files that differ

The default batch is every document in letter, a4, large-print, booklet and 2up (as bench.py runs it),
plus the same in --mono; it is run with the ivig-handout this Python imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LAYOUTS = "letter,a4,large-print,booklet,2up"


def shas() -> dict[str, str]:
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for extra in ([], ["--mono"]):
            out = Path(tmp) / ("mono" if extra else "colour")
            subprocess.run([sys.executable, "-m", "ivig_handout", "batch", "--all", "--layouts", LAYOUTS,
                            "--out-dir", str(out), *extra], check=True, stdout=subprocess.DEVNULL)
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            found |= {f"{out.name}/{e['file']}": e["sha256"] for e in manifest["files"]}
    return found


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("record", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    record = Path(sys.argv[2])
    now = shas()
    if sys.argv[1] == "record":
        record.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {len(now)} files in {record}")
        return 0
    before = json.loads(record.read_text(encoding="utf-8"))
    differ = sorted(f for f in before.keys() | now.keys() if before.get(f) != now.get(f))
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(now) - len(differ)} of {len(before.keys() | now.keys())} files byte-identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
