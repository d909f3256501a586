"""Rebuild the report fonts in this folder from the locked font packages (OFL-1.1).

    .venv/bin/python -m compliance.reports.fonts.build   # a few minutes: the CJK instance is big

PDF viewers cannot use variable fonts, so this writes static instances (regular and bold) of

- Noto Sans (Latin, Greek, Cyrillic; package ``manimgx-fonts``), and
- Noto Sans CJK SC (package ``manimgx-fonts-cjk``), regular only and subset to the Chinese
  characters of GB2312 and Big5 (level 1) plus CJK punctuation and full-width forms,

and records their sources and SHA-256 in ``fonts.json`` (checked by the tests). The packages are
development dependencies; the built fonts are committed, so the web and worker hosts need
neither the packages nor this step.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata, resources
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

HERE = Path(__file__).resolve().parent
CJK_COLLECTION_INDEX = 2  # JP, KR, SC, TC, HK: the simplified Chinese face


def _cjk_characters() -> set[int]:
    chars: set[int] = set()
    for codec, lead, trail in (
        ("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF)),
        ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    ):
        for hi in lead:
            for lo in trail:
                try:
                    chars.update(map(ord, bytes([hi, lo]).decode(codec)))
                except UnicodeDecodeError:
                    continue
    chars.update(range(0x3000, 0x3040))  # CJK punctuation
    chars.update(range(0xFF00, 0xFFF0))  # full-width forms
    chars.update(range(0x20, 0x7F))
    return chars


def _subset(font: TTFont, unicodes: set[int] | None) -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    if unicodes is None:
        subsetter.populate(unicodes=list(font.getBestCmap()))
    else:
        subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)


def _static(
    source: Path, *, weight: int, out: Path, number: int = 0, chars: set[int] | None = None
) -> None:
    font = TTFont(source, fontNumber=number)
    if chars is not None:
        _subset(font, chars)
    static = instancer.instantiateVariableFont(
        font,
        {"wght": weight},
        inplace=False,
        updateFontNames=False,
        downgradeCFF2="CFF2" in font,  # PDF embeds CFF (1) outlines, not CFF2
    )
    static.save(out)


def build() -> dict[str, dict[str, str]]:
    latin = Path(str(resources.files("manimgx_fonts") / "NotoSans[wght].ttf"))
    cjk = Path(str(resources.files("manimgx_fonts_cjk") / "NotoSansCJK-VF.otf.ttc"))
    outputs = {
        "NotoSans-Regular.ttf": ("manimgx-fonts", lambda out: _static(latin, weight=400, out=out)),
        "NotoSans-Bold.ttf": ("manimgx-fonts", lambda out: _static(latin, weight=700, out=out)),
        "NotoSansCJKsc-Regular-subset.otf": (
            "manimgx-fonts-cjk",
            lambda out: _static(
                cjk, weight=400, out=out, number=CJK_COLLECTION_INDEX, chars=_cjk_characters()
            ),
        ),
    }
    record: dict[str, dict[str, str]] = {}
    for name, (package, make) in outputs.items():
        path = HERE / name
        make(path)
        record[name] = {
            "source": f"{package}=={metadata.version(package)}",
            "licence": "OFL-1.1",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        print(f"{name}: {path.stat().st_size:,} bytes")
    (HERE / "fonts.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


if __name__ == "__main__":
    build()
