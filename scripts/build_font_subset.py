"""Build the vendored certificate font from Debian's AR PL UKai CN (developer tool).

Run once when the font must be rebuilt; the result is committed, so neither
installing nor running the app needs this script, fontTools or the Debian package:

    apt-get install fonts-arphic-ukai
    python -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    /tmp/ft/bin/python scripts/build_font_subset.py

Keeps every Basic Multilingual Plane character the CN face has (Latin, general and
CJK punctuation including 〇, CJK Extension A and all unified ideographs it covers),
drops private-use and supplementary-plane characters, hinting, embedded bitmaps
and vertical/OpenType layout tables, which reportlab does not use.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/truetype/arphic/ukai.ttc")
TARGET = (
    Path(__file__).resolve().parents[1]
    / "judging/certificates/fonts/ukai-cn-subset.ttf"
)
DROPPED_TABLES = [
    "BDF ",
    "EBDT",
    "EBLC",
    "FFTM",
    "VORG",
    "vhea",
    "vmtx",
    "GSUB",
    "GPOS",
    "GDEF",
]


def build_subset(*, source: Path, target: Path) -> int:
    """Write the subset font to ``target``; return the number of characters kept."""
    font = TTCollection(str(source)).fonts[0]  # face 0 is "AR PL UKai CN"
    keep = {
        cp for cp in font.getBestCmap() if cp <= 0xFFFF and not 0xE000 <= cp <= 0xF8FF
    }
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += DROPPED_TABLES
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    # Arphic Public License §2a: a prominent notice saying how and when it changed.
    notice = (
        f"Modified {date.today().isoformat()} by the judging project: subset to "
        "Basic Multilingual Plane characters (private use removed), hinting, "
        "bitmaps and layout tables removed. Distributed under the Arphic Public "
        "License (ARPHICPL.TXT)."
    )
    font["name"].setName(notice, 10, 3, 1, 0x409)
    font["name"].setName(notice, 10, 1, 0, 0)
    font.save(str(target))
    return len(keep)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    kept = build_subset(source=args.source, target=args.out)
    print(f"chars={kept} bytes={args.out.stat().st_size} out={args.out}")


if __name__ == "__main__":
    main()
