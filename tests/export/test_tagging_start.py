"""Issue 25, the cold batch: export/tagging.py escapes the XMP's text itself, as xml.sax.saxutils does,
without importing that module (it pulls in urllib.request, http.client and ssl in every worker)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape as sax_escape

from ivig_handout.export.tagging import escape

SRC = Path(__file__).resolve().parents[2] / "src"


def test_escape_as_saxutils() -> None:
    rng = random.Random(25)
    alphabet = "&<>\"'; amp lt gt é–\u00a0xyz"
    texts = ["", "Tom & Jerry <b>", "&amp;&lt;", *("".join(rng.choices(alphabet, k=rng.randint(1, 30))) for _ in range(300))]
    assert [escape(t) for t in texts] == [sax_escape(t) for t in texts]


def test_tagging_imports_no_network_modules() -> None:
    """Importing the tagging step, and tagging a document, loads neither xml.sax nor urllib.request."""
    code = ("import sys\nfrom ivig_handout import api\napi.build(api.Request('gbs', 'letter'))\n"
            "print(sorted(m for m in ('xml.sax.saxutils', 'urllib.request', 'ssl') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)},
                         capture_output=True, text=True, check=True, timeout=120)
    assert run.stdout.strip() == "[]"
