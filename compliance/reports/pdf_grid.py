"""Table layout for the PDF: column widths from the content, word wrap, header repeated per page.

Columns are sized so that the longest word of each column fits on one line whenever the page is
wide enough (:func:`column_widths`): a table then wraps on word boundaries only. Only a word
wider than its column could ever be (a 64-character hash, a URL) is broken, first after
punctuation (``-_/.@,:``), and only as a last resort between letters.

fpdf2's own ``table()`` re-measures every text fragment character by character, which takes
seconds per thousand rows; :class:`Grid` caches widths and draws each line with ``FPDF.text``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

from fpdf import FPDF

from compliance.reports.writers import NUMERIC_KINDS, Column

__all__ = ["MIN_TABLE_PT", "TABLE_PT", "Grid", "column_widths", "words"]

TABLE_PT: Final = 7.0
#: A crowded table shrinks its font down to this size before any word has to be broken.
MIN_TABLE_PT: Final = 5.0
MAX_LINES: Final = 10
#: No single column is widened beyond this share of the page to fit one long word.
MAX_WORD_SHARE: Final = 0.3
GRID_COLOUR: Final = (215, 215, 215)
HEADER_FILL: Final = (222, 228, 238)
STRIPE_FILL: Final = (246, 246, 246)
_BREAKS: Final = re.compile(r"(?<=[-_/.@,:])")


def words(text: str) -> list[str]:
    """The space-separated words of ``text`` (empty strings dropped)."""
    return [word for word in text.split(" ") if word]


def column_widths(total: float, weights: Sequence[float], minimums: Sequence[float]) -> list[float]:
    """Share ``total`` by ``weights``, but give each column at least its minimum.

    Columns whose share is below their minimum get the minimum; the rest share what is left by
    weight. When the minimums alone exceed ``total`` they are scaled down together.
    """
    floor = sum(minimums)
    if floor >= total:
        return (
            [total * m / floor for m in minimums]
            if floor
            else [total / len(weights)] * len(weights)
        )
    fixed: dict[int, float] = {}
    while True:
        free = total - sum(fixed.values())
        free_weight = sum(w for i, w in enumerate(weights) if i not in fixed)
        grown = {
            i: minimums[i]
            for i, w in enumerate(weights)
            if i not in fixed and free * w / free_weight < minimums[i]
        }
        if not grown:
            return [fixed.get(i, free * w / free_weight) for i, w in enumerate(weights)]
        fixed.update(grown)


class Grid:
    """A light table renderer: greedy word wrap with cached widths, header repeated per page."""

    def __init__(
        self,
        pdf: FPDF,
        font: Callable[[float, bool], None],
        columns: Sequence[Column],
        widths: Sequence[float],
        size: float = TABLE_PT,
    ) -> None:
        self.pdf = pdf
        self.size = size
        self.font = font
        self.widths: list[float] = []
        self.lefts: list[float] = []
        self.layout(widths)
        self.right_aligned = [column.kind in NUMERIC_KINDS for column in columns]
        self.line_h = size * 0.42
        self.pad_x, self.pad_y = 1.0, 0.9
        self.cache: dict[tuple[bool, str], float] = {}
        self.bold = False
        self.pending: list[list[str]] = []

    def layout(self, widths: Sequence[float]) -> None:
        self.widths = list(widths)
        left = self.pdf.l_margin
        self.lefts = [left + sum(self.widths[:index]) for index in range(len(self.widths))]

    def use(self, bold: bool) -> None:
        self.bold = bold
        self.font(self.size, bold)

    def width(self, text: str) -> float:
        key = (self.bold, text)
        found = self.cache.get(key)
        if found is None:
            if len(self.cache) > 200_000:
                self.cache.clear()
            found = self.cache[key] = self.pdf.get_string_width(text)
        return found

    def longest_word(self, text: str) -> float:
        """Width of the widest word in ``text``, plus the cell padding."""
        return max((self.width(word) for word in words(text)), default=0.0) + 2 * self.pad_x + 0.5

    def _prefix(self, text: str, width: float) -> str:
        """Longest prefix of ``text`` (at least one character) that fits in ``width``."""
        used = 0.0
        for end, char in enumerate(text):
            used += self.width(char)
            if used > width:
                return text[: max(end, 1)]
        return text

    def _split_word(self, word: str, width: float) -> list[str]:
        """A word wider than the column: break after punctuation, letters only if need be."""
        pieces: list[str] = []
        current = ""
        for part in _BREAKS.split(word):
            if current and self.width(current + part) > width:
                pieces.append(current)
                current = ""
            current += part
            while self.width(current) > width and len(current) > 1:
                head = self._prefix(current, width)
                pieces.append(head)
                current = current[len(head) :]
        if current:
            pieces.append(current)
        return pieces

    def wrap(self, text: str, width: float, max_lines: int) -> list[str]:
        """Greedy word wrap; only words wider than the column are split; overflow gets ``...``."""
        lines: list[str] = []
        current, current_w = "", 0.0
        space = self.width(" ")
        truncated = False
        for word in text.split(" "):
            word_w = self.width(word)
            if current and current_w + space + word_w <= width:
                current, current_w = f"{current} {word}", current_w + space + word_w
                continue
            if current:
                lines.append(current)
            current, current_w = word, word_w
            if current_w > width and len(current) > 1:
                *heads, current = self._split_word(current, width)
                lines.extend(heads)
                current_w = self.width(current)
            if len(lines) >= max_lines:
                truncated = True
                break
        else:
            if current:
                lines.append(current)
        if len(lines) > max_lines:
            lines, truncated = lines[:max_lines], True
        if truncated and lines:
            lines[-1] = self._prefix(lines[-1], width - self.width("...")).rstrip() + "..."
        return lines

    def _draw(self, cells: list[list[str]], fill: tuple[int, int, int] | None) -> None:
        pdf = self.pdf
        height = self._height(cells)
        y = pdf.get_y()
        if fill is not None:
            pdf.set_fill_color(*fill)
            pdf.rect(pdf.l_margin, y, pdf.epw, height, style="F")
        # cell(), not text(): only cell() switches to the fallback font (CJK) mid-line. The row
        # already fits on the page, so no cell may break it.
        breaks, margin = pdf.auto_page_break, pdf.b_margin
        pdf.set_auto_page_break(False)
        for lines, left, width, right in zip(
            cells, self.lefts, self.widths, self.right_aligned, strict=True
        ):
            for index, line in enumerate(lines):
                wide = self.width(line)
                x = left + width - self.pad_x - wide if right else left + self.pad_x
                # cell() pads its text by c_margin on each side: start that much to the left
                pdf.set_xy(x - pdf.c_margin, y + self.pad_y + index * self.line_h)
                pdf.cell(wide + 2 * pdf.c_margin, self.line_h, line)
        pdf.set_auto_page_break(breaks, margin=margin)
        pdf.set_draw_color(*GRID_COLOUR)
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + pdf.epw, y + height)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_xy(pdf.l_margin, y + height)

    def _height(self, cells: list[list[str]]) -> float:
        return max(1, *(len(lines) for lines in cells)) * self.line_h + 2 * self.pad_y

    def header(self, titles: Sequence[str]) -> None:
        self.use(bold=True)
        cells = [
            self.wrap(title, width - 2 * self.pad_x, 4)
            for title, width in zip(titles, self.widths, strict=True)
        ]
        self._draw(cells, HEADER_FILL)
        self.use(bold=False)

    def row(self, texts: Sequence[str] | None, stripe: int) -> bool:
        """Draw a row; return True (drawing nothing) when it needs a new page first.

        After the caller has started the page and redrawn the header, ``row(None, ...)``
        draws the row that did not fit.
        """
        if texts is not None:
            self.pending = [
                self.wrap(text, width - 2 * self.pad_x, MAX_LINES)
                for text, width in zip(texts, self.widths, strict=True)
            ]
            if self.pdf.get_y() + self._height(self.pending) > self.pdf.page_break_trigger:
                self.pdf.add_page()
                return True
        self._draw(self.pending, STRIPE_FILL if stripe else None)
        return False
