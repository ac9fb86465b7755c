"""Render stage, badges: the evidence badge, a rating word plus a three-step meter (not colour alone)."""

from __future__ import annotations

from reportlab.lib.colors import Color, white
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from .fonts import MAIN, face_name

STEPS = {"strong": 3, "moderate": 2, "weak": 1, "insufficient": 0}


class Badge(Flowable):
    """``[■■■ Strong evidence]``: filled meter cells = strength; the word always printed. ``stacked``:
    the words on two lines beside the meter (a narrow badge, for a table column in large print)."""

    def __init__(self, rating: str, word: str, size: float, colour: Color, ink: Color, stacked: bool = False) -> None:
        super().__init__()
        self.rating, self.word, self.size = rating, word, size
        self.colour, self.ink = colour, ink
        self.font = face_name(MAIN, bold=True)
        self.pad = size * 0.45
        self.cell = size * 0.62
        self.gap = size * 0.22
        meter = 3 * self.cell + 2 * self.gap
        self.lines = word.rsplit(" ", 1) if stacked and " " in word else [word]
        widest = max(stringWidth(line, self.font, size) for line in self.lines)
        self.width = self.pad * 2 + meter + self.pad * 0.9 + widest
        self.height = size * 1.75 + size * 1.15 * (len(self.lines) - 1)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setLineWidth(max(1.0, self.size * 0.1))
        c.setStrokeColor(self.colour)
        c.setFillColor(white)
        c.roundRect(0, 0, self.width, self.height, self.height * 0.22, stroke=1, fill=1)
        y = (self.height - self.cell) / 2
        filled = STEPS[self.rating]
        for i in range(3):
            x = self.pad + i * (self.cell + self.gap)
            c.setFillColor(self.colour if i < filled else white)
            c.setLineWidth(max(0.8, self.size * 0.07))
            c.rect(x, y, self.cell, self.cell, stroke=1, fill=1)
        if filled == 0:  # "not enough evidence": a dash through the empty meter
            c.line(self.pad, self.height / 2, self.pad + 3 * self.cell + 2 * self.gap, self.height / 2)
        c.setFillColor(self.ink)
        c.setFont(self.font, self.size)
        text_x = self.pad + 3 * self.cell + 2 * self.gap + self.pad * 0.9
        step = self.size * 1.15  # between the lines of a stacked badge
        y = (self.height - self.size * 0.7) / 2 + step * (len(self.lines) - 1) / 2
        for i, line in enumerate(self.lines):
            c.drawString(text_x, y - i * step, line)
        c.restoreState()
