"""The fallback faces (DejaVu) are registered only when a text needs them, and then print as before.

Run in fresh processes: this test process registers every face (test_markup does at import), which
would hide a path that uses a fallback face before registering it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..pdfcheck import body_text, fonts

SRC = Path(__file__).resolve().parents[2] / "src"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def test_shipped_handouts_need_no_fallback_faces() -> None:
    done = run_python(
        "from reportlab.pdfbase import pdfmetrics\n"
        "from ivig_handout import Request, build\n"
        "for layout in ('letter', 'booklet'):\n"
        "    build(Request('full', layout)); build(Request('gbs', layout))\n"
        "print(sorted(n for n in pdfmetrics.getRegisteredFontNames() if n.startswith('DejaVu')))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_text_needing_a_fallback_face_registers_and_embeds_it(pack: Path, tmp_path: Path) -> None:
    sheet = pack / "sheet.yaml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("name: Polymyositis", "name: Polymyositis → ★ ✓", 1), encoding="utf-8")
    out = tmp_path / "x.pdf"
    done = run_python(
        "import sys\n"
        "from pathlib import Path\n"
        "from ivig_handout import Request, build\n"
        f"data = build(Request('polymyositis', 'letter', content=Path({str(pack)!r}))).data\n"
        f"Path({str(out)!r}).write_bytes(data)\n"
    )
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert "Polymyositis → ★ ✓" in body_text(data)
    used = fonts(data)
    assert any("DejaVu" in f.name for f in used) and all(f.embedded for f in used)
