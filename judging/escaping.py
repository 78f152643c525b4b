"""User strings made safe where they enter another language: PDF markup, paths.

Pure: no Flask, no database.

Jinja escapes HTML by itself; these two places need it done by hand, and each
has exactly one helper so that no caller can forget a case:

- reportlab's ``Paragraph`` reads its text as mini-markup (``<b>``, ``<a
  href>``, ``<img src>``, ``<font>``, entities), so a title with an unclosed tag
  breaks the PDF and a link or image tag would be obeyed;
- a name that becomes a path (a ZIP member, a download's file name) may hold
  ``/``, ``..``, a drive letter or control characters.
"""

from __future__ import annotations

import re
import unicodedata

_MARKUP = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_MARKUP_RE = re.compile("[&<>\"']")
# Characters Windows, macOS or unzip refuse or read specially in a file name.
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|]+')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
NAME_LIMIT = 120  # characters of one path segment (a ZIP member's folder or file)


def paragraph_text(value: object) -> str:
    """``value`` as literal text inside reportlab Paragraph markup.

    Every markup character is an entity afterwards, so nothing a user typed can
    open a tag, a link or an image; control characters (which reportlab's
    parser refuses) become spaces.
    """
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(value))
    return _MARKUP_RE.sub(lambda m: _MARKUP[m.group()], text)


def path_segment(value: str, *, fallback: str = "未命名") -> str:
    """One safe path component (folder or file name) made from a user's string.

    Separators and the characters file systems refuse become ``_``; control
    characters go; leading dots and spaces go (so ``..`` and hidden names
    cannot arise); reserved Windows device names get a ``_`` prefix; the result
    is at most NAME_LIMIT characters and never empty.
    """
    text = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE_IN_NAME.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    if len(text) > NAME_LIMIT:
        stem, dot, suffix = text.rpartition(".")
        if dot and 0 < len(suffix) <= 8:
            text = stem[: NAME_LIMIT - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            text = text[:NAME_LIMIT].rstrip(" .")
    return text or fallback
