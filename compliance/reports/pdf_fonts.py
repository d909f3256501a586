"""The fonts a PDF report embeds, and text reduced to the characters they can print.

By default reports embed the fonts committed in ``fonts/`` (built from OFL packages by
``fonts/build.py``): Noto Sans regular and bold for Latin, Greek and Cyrillic text, and Noto
Sans CJK SC as the fallback for Chinese characters (GB2312 and Big5 level 1). A character none
of them has is never dropped or printed as a box: :func:`printable_with` maps it the way the
core-font mode does (:func:`~compliance.reports.pdf_text.transliterate`), so a rare
character becomes its Latin form or a note naming its script (``[Chinese text]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final

from fontTools.ttLib import TTFont

from compliance.reports.pdf_text import keep_unicode, transliterate

FONTS_DIR: Final = Path(__file__).resolve().parent / "fonts"


@dataclass(frozen=True)
class ReportFonts:
    """A regular and a bold face, and faces to fall back on for characters they lack."""

    regular: Path
    bold: Path | None = None
    fallback: tuple[Path, ...] = field(default=())

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.regular, *([self.bold] if self.bold else []), *self.fallback)


BUNDLED: Final = ReportFonts(
    regular=FONTS_DIR / "NotoSans-Regular.ttf",
    bold=FONTS_DIR / "NotoSans-Bold.ttf",
    fallback=(FONTS_DIR / "NotoSansCJKsc-Regular-subset.otf",),
)


@lru_cache(maxsize=8)
def _characters(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def printable_with(paths: Iterable[Path]) -> Callable[[str], str]:
    """A text cleaner for these fonts: what any of them prints is kept, the rest mapped."""
    known = frozenset().union(*(_characters(Path(p)) for p in paths))
    known |= {ord("\n")}

    def clean(text: str) -> str:
        text = keep_unicode(text)
        if all(ord(char) in known for char in text):
            return text
        out: list[str] = []
        run: list[str] = []  # consecutive characters no font has, mapped together
        for char in text:
            if ord(char) in known:
                if run:
                    out.append(transliterate("".join(run)))
                    run.clear()
                out.append(char)
            else:
                run.append(char)
        if run:
            out.append(transliterate("".join(run)))
        return "".join(out)

    return clean
