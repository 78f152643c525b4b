"""Text as a reader sees it: one normal form for matching, with a way back.

Pure: no Flask, no database.

Two strings that a reader takes for the same words should compare equal after
:func:`normalise`, whatever the keyboard, the font or the PDF extractor did:

1. **NFKC**: full-width Latin and digits (ＣＱＵ, ＠), Kangxi radicals (⼤ U+2F24
   for 大) and CJK compatibility ideographs (U+F900 …) become ordinary
   characters.
2. **CJK Radicals Supplement** code points that some fonts map their glyphs to
   (⻄ U+2EC4 for 西, ⻓ U+2ED3 for 长, ⻔ for 门 …; NFKC leaves them alone)
   become the unified ideograph of the same shape (Unicode's
   EquivalentUnifiedIdeograph table, the whole-character entries).
3. **Traditional → simplified** with OpenCC (``t2s``): 重慶大學 is 重庆大学.
4. In the **compact** form, whitespace, line breaks, zero-width and other
   invisible format characters, and *light* punctuation that people put
   between the characters of a word (``·・•-_*~/|.`` and quotes) are dropped:
   "重 庆\\n大·学" reads 重庆大学. Chinese sentence punctuation (，。、；：！？)
   and brackets are kept: "在重庆，大学生" is not "重庆大学生".

Every character of the result remembers the offset of the character of the
original it came from, so a match can be shown in the original text
(:meth:`Normalised.span`). The later similarity check uses the same form.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

__all__ = ["Normalised", "fold", "normalise", "RADICALS"]

# CJK Radicals Supplement → unified ideograph, for radicals that are also whole
# characters (EquivalentUnifiedIdeograph.txt). Components such as ⺅ or ⺡ never
# stand alone in running text and are left out.
RADICALS: dict[str, str] = {
    "\u2e8c": "小", "\u2e8e": "兀", "\u2e92": "巳", "\u2e93": "幺", "\u2e97": "心",
    "\u2e9b": "旡", "\u2e9d": "月", "\u2e9f": "母", "\u2ea0": "民", "\u2ea7": "牛",
    "\u2ea9": "王", "\u2eaa": "疋", "\u2eab": "目", "\u2eac": "示", "\u2eae": "竹",
    "\u2eb6": "羊", "\u2eb7": "羊", "\u2ebb": "聿", "\u2ebc": "肉", "\u2ebd": "臼",
    "\u2ec1": "虎", "\u2ec4": "西", "\u2ec5": "见", "\u2ec6": "角", "\u2ec9": "贝",
    "\u2eca": "足", "\u2ecb": "车", "\u2ed1": "長", "\u2ed3": "长", "\u2ed4": "门",
    "\u2ed7": "雨", "\u2ed8": "青", "\u2ed9": "韦", "\u2eda": "页", "\u2edb": "风",
    "\u2edc": "飞", "\u2edd": "食", "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼",
    "\u2ee5": "鱼", "\u2ee6": "鸟", "\u2ee7": "卤", "\u2ee8": "麦", "\u2ee9": "黄",
    "\u2eea": "黾", "\u2eec": "齐", "\u2eee": "齿", "\u2ef0": "龙", "\u2ef3": "龟",
}  # fmt: skip

# Dropped in the compact form (besides whitespace and format characters).
LIGHT_PUNCTUATION = frozenset(
    "·・•‧∙⋅.-‐‑‒–—―_*~/\\|'\"`^‘’“”＿"  # noqa: RUF001 - these are the point
)
_INVISIBLE = frozenset("\u00ad\u034f\u061c\u180e\u3164\uffa0")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _is_invisible(ch: str) -> bool:
    return ch in _INVISIBLE or unicodedata.category(ch) == "Cf"


@dataclass(frozen=True)
class Normalised:
    """``text`` normalised; ``index[i]`` is the original offset of ``text[i]``."""

    original: str
    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` that ``text[start:end]`` came from."""
        if end <= start:
            at = self.index[start] if start < len(self.index) else len(self.original)
            return at, at
        return self.index[start], self.index[end - 1] + 1


def _char_forms(text: str) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            chars.append(ch)
            index.append(i)
            continue
        n = unicodedata.normalize("NFKC", ch)
        for c in n:
            chars.append(RADICALS.get(c, c))
            index.append(i)
    return chars, index


def _simplify(chars: list[str]) -> list[str]:
    if all(ord(c) < 0x2E80 for c in chars):
        return chars
    joined = "".join(chars)
    converted = _t2s().convert(joined)
    if len(converted) == len(joined):
        return list(converted)
    # a phrase changed length: convert character by character to keep the map
    return [c if ord(c) < 0x2E80 else (_t2s().convert(c) or c)[0] for c in chars]


def normalise(text: str, *, compact: bool = False) -> Normalised:
    """``text`` in the matching form of the module doc (step 4 if ``compact``)."""
    chars, index = _char_forms(text)
    chars = _simplify(chars)
    keep = [
        i
        for i, c in enumerate(chars)
        if not _is_invisible(c)
        and not (compact and (c.isspace() or c in LIGHT_PUNCTUATION))
    ]
    return Normalised(
        original=text,
        text="".join(chars[i] for i in keep),
        index=tuple(index[i] for i in keep),
    )


@lru_cache(maxsize=4096)
def fold(term: str, *, compact: bool = True) -> str:
    """A term (a name, an alias) in the same form as :func:`normalise`'s text."""
    return normalise(term, compact=compact).text
