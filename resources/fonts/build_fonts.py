"""Rebuild the fonts printed documents embed (run by hand; needs fonttools and the
Debian packages fonts-noto-core and fonts-droid-fallback).

Why these: Noto Sans covers Latin and Cyrillic (English, French, Spanish, Russian),
Noto Naskh Arabic shapes Arabic, and Droid Sans Fallback covers Chinese. All are under
open licences (SIL OFL 1.1 for Noto, Apache 2.0 for Droid). The Chinese font is 4 MB
whole, so it is subset to the 6 763 ideographs of GB 2312 plus CJK punctuation and
full-width forms (the characters Simplified Chinese text uses in practice), which keeps
the bundle small; a rarer ideograph falls back to the system's fonts when printing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTO = Path("/usr/share/fonts/truetype/noto")
DROID = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
COPIED = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf")


def gb2312_characters() -> str:
    chars = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(chars)


def main() -> None:
    from fontTools import subset

    for name in COPIED:
        shutil.copyfile(NOTO / name, HERE / name)
    text = gb2312_characters() + "".join(chr(c) for c in range(0x3000, 0x3040)) + "".join(chr(c) for c in range(0xFF00, 0xFFF0))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(DROID), options)
    sub = subset.Subsetter(options)
    sub.populate(text=text)
    sub.subset(font)
    subset.save_font(font, str(HERE / "DroidSansFallback-GB2312.ttf"), options)
    for p in sorted(HERE.glob("*.ttf")):
        print(f"{p.name}: {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
