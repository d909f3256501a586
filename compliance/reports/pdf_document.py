"""The PDF document the report writer draws on, and the helpers its layout shares.

``ReportPDF`` is fpdf2's document in US Letter landscape with the report's footer and font
family; ``fit`` shortens one line of text to a width; ``compact_dollars`` and ``nice_ceiling``
label and scale the exposure chart's axis; the notes are the cover's and the chart's.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from fpdf import FPDF

FONT_NOTE: Final = (
    "Text is printed with Noto Sans and Noto Sans CJK SC. A character neither has is shown in "
    "its Latin form or as a note naming its script (e.g. '[Korean text]'); the CSV and XLSX "
    "exports carry the exact text."
)
CHARACTER_NOTE: Final = (
    "Text is printed with the Helvetica core font (Windows-1252 characters). Other accented "
    "Latin letters are shown without their accents, Cyrillic and Greek are romanised, and "
    "a run of characters with no Latin form is shown as a note naming its script (e.g. "
    "'[Chinese text]'). The CSV and XLSX exports carry the exact text."
)
SCENARIO_NOTE: Final = (
    "Each scenario is an alternative future (today's obligations, or as if one bill passed): "
    "amounts are never added up across scenarios."
)


def fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` shortened with ``...`` to fit on one line of ``width`` in the current font."""
    text = text[: int(width * 3) + 1]  # no glyph is narrower than 1/3 mm at these sizes
    if pdf.get_string_width(text) <= width - 1:
        return text
    while text and pdf.get_string_width(text + "...") > width - 1:
        text = text[:-1]
    return text.rstrip() + "..."


def finite(value: Decimal) -> Decimal:
    return value if value.is_finite() else Decimal(0)


def compact_dollars(value: Decimal) -> str:
    amount = float(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= threshold:
            return f"${amount / threshold:.3g}{suffix}"
    return f"${amount:,.0f}"


def nice_ceiling(value: Decimal) -> Decimal:
    """Smallest 1, 2, 2.5 or 5 times a power of ten that is >= ``value`` (for the chart axis)."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude * 10


class ReportPDF(FPDF):
    def __init__(self, family: str, clean: Callable[[str], str], footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="Letter")
        self.report_family = family
        self.report_clean = clean
        self.footer_text = footer_text

    def set_font(self, family: str | None = None, style: Any = "", size: float = 0) -> None:
        super().set_font(family, style, size)
        # fpdf2 2.8.9 sets a font on the page lazily, with the first text. When that text starts
        # with a fallback (CJK) character, the font is set only inside that text's q/Q block,
        # yet counted as set: the next text then prints in whatever font the page had before
        # (wrong glyphs). Setting it on the page now avoids that.
        if self.page and self._fallback_font_ids and not self.current_font_is_set_on_page:
            assert self.current_font is not None
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(self.report_family, "", 7)
        self.set_text_color(110, 110, 110)
        self.cell(self.epw * 0.8, 5, fit(self, self.report_clean(self.footer_text), self.epw * 0.8))
        self.cell(0, 5, f"Page {self.page_no()}", align="R")
        self.set_text_color(0, 0, 0)
