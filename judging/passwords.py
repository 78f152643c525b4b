"""The password rule: long enough, not common, not made of the account's names.

Pure: no Flask, no database.

Minimum length by role. Organisers see every unit's identity and every score and
publish the results: 12 characters. Unit contacts and judges: 10 (NIST SP
800-63B asks for at least 8 when a blocklist is checked too; 10 is also the
length of the one-time passwords the imports hand out, so a first change never
has to be weaker than what was given).

Common passwords: the 30,000 most frequent passwords of zxcvbn's ``passwords``
frequency list (zxcvbn 4.5.0 on PyPI, MIT; drawn from leaked password dumps),
read from the installed package, so nothing is downloaded at run time. A
password is refused when it, or it without the digits and punctuation at its
ends ("Password2026!" → "password"), is on the list.

Names: a password that is only the user name, the site's name or the unit's
name (or its short name) plus digits and punctuation is refused, as is one with
fewer than five different characters ("aaaaaaaaaa", "abababababab").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

MIN_LENGTH = {"organiser": 12, "unit": 10, "judge": 10}
MAX_LENGTH = 128
MIN_DISTINCT = 5
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_FILLER = re.compile(r"[\W\d_]+")


def minimum_length(role: str) -> int:
    """The shortest password accepted for an account of ``role``."""
    return MIN_LENGTH.get(role, max(MIN_LENGTH.values()))


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords, lower case."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def _built_from(password: str, name: str) -> bool:
    name = name.strip().lower()
    if len(name) < 3:
        return False
    text = password.lower()
    if name not in text and not (len(text) >= 3 and text in name):
        return False
    return not _FILLER.sub("", text.replace(name, ""))


def password_problems(password: str, *, role: str, names: Iterable[str]) -> list[str]:
    """Why ``password`` breaks the rule, in Chinese; empty when it is fine.

    ``names`` are the words it may not be built from: the user name, the
    site's name, the unit's name and short name.
    """
    minimum = minimum_length(role)
    if len(password) < minimum:
        return [f"密码至少 {minimum} 位。"]
    if len(password) > MAX_LENGTH:
        return [f"密码最多 {MAX_LENGTH} 位。"]
    problems = []
    lower = password.lower()
    core = _ENDS.sub("", lower)
    if lower in common_passwords() or core in common_passwords() or core == "":
        problems.append("该密码是常见密码，很容易被猜中，请换一个。")
    if any(_built_from(password, name) for name in names if name):
        problems.append("密码不能由用户名、系统名称或单位名称加数字构成。")
    if len(set(lower)) < MIN_DISTINCT:
        problems.append(f"密码至少要含 {MIN_DISTINCT} 个不同的字符。")
    return problems
