"""Find identity leaks (unit, people, contacts) in an essay's text and metadata.

Pure: no Flask, no database.

Competition rule: judges review anonymously, so an entry must not reveal its
unit, its authors or its advisor. The scanner flags what a careful organiser
would look for, with the evidence in context, and leaves the decision to a human:

- ``high``: the entry's own unit (full name, short name, aliases), an author
  or advisor name, an e-mail address, a phone number, a personal web address;
- ``low``: another unit of the list is mentioned (often legitimate: "与西南大学
  的研究相比" — but a judge from that unit may still be conflicted);
- ``manual``: the file has no extractable text (a scan), nothing can be checked
  automatically.

Matching is done on a normalised copy of each segment and of each term
(``judging.documents.normalise``): NFKC, radical code points mapped to their
ideographs, traditional characters simplified (OpenCC), and, for Chinese terms,
whitespace, zero-width characters and light punctuation removed, so "重庆\\n大学",
"重·庆·大·学" and "重慶大學" all match 重庆大学. Evidence is always quoted from
the original text.

Besides its Chinese names a unit has English names ("Chongqing University",
matched case-insensitively across line breaks), abbreviations ("CQU", matched
case-sensitively as a whole word), institutes (matched like aliases) and
domains: an e-mail or web address under ``cqu.edu.cn`` (any subdomain, with or
without ``http://``/``www.``) is a mention of 重庆大学. Authors' and advisors'
Chinese names also match as pinyin in the usual Latin forms: "Zhang Xiaoming",
"Xiaoming Zhang", "ZHANG Xiaoming", "Zhang Xiao-ming", "Xiao Ming Zhang",
"X. Zhang", "X.M. Zhang", "Zhang X.M." (compound surnames such as 欧阳 and
every reading of a polyphonic surname such as 曾/单/解 included).

The short-alias rule (why "重大部署" is not 重庆大学)
------------------------------------------------------
Chinese unit abbreviations are built from the first characters of the name,
and for Chongqing units that first character is 重, which starts or ends
hundreds of ordinary words (重大, 注重, 尊重, 重交通 …). A term is therefore
either *distinctive* or *short*:

1. *Distinctive*: the full name, or an alias that ends in a unit-type word
   (大学, 学院, 学校, 职院, 高专, 医专, 幼专, 院, 校) — "重警院", "三峡学院",
   "重庆科技学院". These match anywhere.
2. *Short*: every other alias ("重大", "西大", "重师", "川外", "重医大",
   "重工商", "重庆二师" …). A short alias matches only with positive evidence
   that a unit is meant:
   a. it is followed by a unit-context word (学院, 学子, 师生, 校友, 校区,
      校园, 校长, 附属, 学报, 图书馆, 官网, 团委, 研究生院, 毕业生 …), by a
      word for its people or its study (本科生, 硕士生, 博士生, 在校生, 教师,
      老师, 教授, 同学, 学长, 学姐, 教职工 …), or by at most eight Chinese
      characters and then 学院 ("重大经济与管理学院"); not 学生 alone
      ("防范重大学生安全事故");
   b. it is preceded by a unit-context phrase (我校, 本校, 母校, 就读于,
      毕业于, 考入, 任教于 …; not 来自: "来自重大项目"), also with brackets
      or punctuation between ("我校（重大）", "本校——重大");
   d. it sits in a study-period phrase: 在/于 + alias + 读书/求学/学习/就读/
      读研/读博/任教/工作 + 期间/时/的/那/阶段/生活 ("在重大求学期间"), or
      在 + alias + 的 + 四年/三年/大学时光 ("在重大的四年");
   c. it stands alone — no Chinese character directly before or after it — in
      a header/footer, a comment or a metadata value ("重大 本科生论文",
      ``Company: 重大``), where running prose does not occur.
3. For every alias, short or distinctive, a match is discarded when the
   character before it forms a common word with the alias's first character:
   注重/尊重/着重/偏重…, 四川 (for 川外/川美), 山西/广西/东西 (for 西大/西政),
   校长/成长 (for 长师). "注重师资" is not 重师, "四川美食" is not 川美,
   "山西大学" is not 西大.

So "重大部署", "注重师资", "重交通", "注重医疗", "四川美食", "注重人文素养" and
"重开大会" pass silently, while "重大学子", "毕业于重师", "重大计算机学院" and a
footer reading "重大", "我校（重大）", "重大本科生" and "在重大读书期间" are
flagged. The full name "重庆大学" is also not matched
in "重庆大学城" (a district, not the unit). The rule errs towards silence for
bare short aliases in prose; full names, which leak far more often, never need
context.

When matches overlap, the longest wins, and the entry's own unit wins over
another unit of the same length (重庆科技学院 is an alias of 重庆科技大学).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from judging.documents.normalise import Normalised, fold, normalise

__all__ = [
    "Finding",
    "UnitIdentity",
    "is_distinctive_alias",
    "pinyin_forms",
    "scan_document",
]

CONTEXT_CHARS = 15
LOCATION_ORDER = (
    "title",
    "abstract",
    "keywords",
    "field",
    "body",
    "header_footer",
    "footnote",
    "comment",
    "tracked_change",
    "image",
    "metadata",
)
STANDALONE_LOCATIONS = frozenset({"header_footer", "comment", "metadata", "keywords"})

UNIT_SUFFIXES = ("大学", "学院", "学校", "职院", "高专", "医专", "幼专", "院", "校")
CONTEXT_AFTER = (
    "学院",
    "学部",
    "学子",
    "学报",
    "师生",
    "校友",
    "校区",
    "校园",
    "校长",
    "校训",
    "校庆",
    "附属",
    "附中",
    "附小",
    "附一院",
    "附二院",
    "图书馆",
    "官网",
    "团委",
    "研究生院",
    "毕业生",
    "教务处",
    # its people and its study
    "本科生",
    "硕士生",
    "博士生",
    "研究生",
    "在校生",
    "在读",
    "教师",
    "老师",
    "教授",
    "教职工",
    "同学",
    "学长",
    "学姐",
    "学弟",
    "学妹",
    "学生会",
    "学工部",
    "校团委",
)
CONTEXT_BEFORE = (
    "我校",
    "本校",
    "母校",
    "就读于",
    "毕业于",
    "考入",
    "考上",
    "任教于",
    "就职于",
    "供职于",
    "入读",
    "就读",
)
_STUDY_PERIOD = re.compile(
    r"(?:读书|求学|学习|就读|读研|读博|念书|深造|任教|工作)"
    r"(?:期间|时|的|那|阶段|生活|岁月)"
    r"|的(?:[一二三四五六七八两]年|大学时光|求学|日子)"
)
_PUNCT_BETWEEN = re.compile(
    r"[\s()\[\]{}<>（）【】〔〕〈〉《》「」『』\-—–,，、:：;；]+$"  # noqa: RUF001
)
# Characters that, placed before an alias's first character, make an ordinary
# word (注+重 = 注重). Keyed by the alias's first character.
WORD_BEFORE: dict[str, str] = {
    "重": "注着尊偏看侧并隆慎倚器稳庄厚严沉繁贵比体双多保加轻郑珍敬凝深举"
    "失超载负净毛称承权借推持九千万一二两三重",
    "西": "东中山广陕江辽华湘闽赣川浙冀豫鲁晋陇黔桂渝城河以向偏往泰巴",
    "川": "四山河冰平银通长",
    "长": "校院所局部厅处科组班队家成增延生擅专助师市省县区村会社首兄学园站船团",
}
_GAP_TO_COLLEGE = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:学院|研究生院)")

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.[A-Za-z]{2,}"
)
MOBILE_RE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
LANDLINE_RE = re.compile(
    r"(?<![\d.])(?:\(0\d{2,3}\)\s?|0\d{2,3}[-‐–—\s])\d{7,8}(?:-\d{1,5})?(?!\d)"
)
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\u3000-\u303f\uff08\uff09]+", re.I)
PERSONAL_URL_RE = re.compile(
    r"github\.(?:com|io)|gitee\.(?:com|io)|gitlab\.com|\.edu\.cn|/~|~[a-z]"
    r"|blog|cnblogs\.com|csdn\.net|jianshu\.com|zhihu\.com/people"
    r"|weibo\.(?:com|cn)|space\.bilibili\.com|orcid\.org|scholar\.google"
    r"|researchgate\.net/profile|linkedin\.com/in|homepage|/people/|/faculty/"
    r"|/personal|/teacher|/staff/|/users?/",
    re.I,
)
_ADDRESS_TAIL = r"(?:[/:?#][^\s<>\"'()\u3000-\u303f\uff08\uff09]*)?"
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 "
    "轩辕 端木 南宫 独孤 百里 呼延 闻人 西门 万俟 澹台 公冶 申屠 太史 钟离".split()
)


@dataclass(frozen=True)
class UnitIdentity:
    """A unit as the scanner knows it.

    ``name``, ``short_name``, ``aliases`` and ``institutes`` are matched as
    Chinese terms (rules of the module doc), ``english_names`` and
    ``abbreviations`` as Latin words, ``domains`` as mail and web hosts.
    """

    name: str
    short_name: str = ""
    aliases: tuple[str, ...] = ()
    english_names: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    institutes: tuple[str, ...] = ()

    def terms(self) -> tuple[str, ...]:
        """Full name first, then short name, aliases and institutes."""
        raw = (self.name, self.short_name, *self.aliases, *self.institutes)
        return tuple(dict.fromkeys(t.strip() for t in raw if t and t.strip()))

    def all_names(self) -> tuple[str, ...]:
        """Every name form a reader could recognise the unit by."""
        raw = (*self.terms(), *self.english_names, *self.abbreviations, *self.domains)
        return tuple(dict.fromkeys(t.strip() for t in raw if t and t.strip()))


@dataclass(frozen=True)
class Finding:
    """One suspected leak.

    ``kind``: unit, person, email, phone, url, other_unit or no_text.
    ``location``: title, abstract, keywords, field (entry form), body,
    header_footer, footnote, comment, tracked_change, image, metadata.
    ``source``: page, package part or metadata key. ``term``: what matched (the
    configured name, or the address/number itself). ``evidence``: the match
    with about fifteen characters of context on each side, quoted from the
    original text. ``severity``: high, low or manual.
    """

    kind: str
    location: str
    evidence: str
    severity: str
    term: str = ""
    source: str = ""


def is_distinctive_alias(term: str) -> bool:
    """True when an alias names a unit on its own (rule 1 of the module doc)."""
    return not _HAN_RE.search(term) or term.endswith(UNIT_SUFFIXES)


# ----------------------------------------------------------------- normalising


@dataclass(frozen=True)
class _View:
    """A segment normalised for matching, with offsets back into the original."""

    original: str
    norm: Normalised  # Latin matching: whitespace kept
    compact: Normalised  # Chinese matching: whitespace and light punctuation gone


def _view(text: str) -> _View:
    return _View(text, normalise(text), normalise(text, compact=True))


def _evidence(original: str, start: int, end: int) -> str:
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(original), end + CONTEXT_CHARS)
    return " ".join(original[left:right].split())


# ----------------------------------------------------------------- term matching


@dataclass(frozen=True)
class _Term:
    text: str
    kind: str
    severity: str
    rank: int  # person 3 (as pinyin 2), own unit 1, other units 0: wins ties
    short: bool
    is_full_name: bool
    pattern: re.Pattern[str] | None = field(default=None, compare=False)
    address: bool = False  # a domain: the finding names the address found


@dataclass(frozen=True)
class _Hit:
    start: int  # offsets in the original text
    end: int
    term: _Term
    found: str = ""  # the matched text itself, when it is the better term


def _latin_pattern(text: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    words = fold(text, compact=False).split()
    joined = r"[\s\-]*".join(map(re.escape, words))
    return re.compile(
        rf"(?<![A-Za-z0-9]){joined}(?![A-Za-z0-9])",
        0 if case_sensitive else re.IGNORECASE,
    )


@lru_cache(maxsize=512)
def _domain_pattern(domains: tuple[str, ...]) -> re.Pattern[str]:
    hosts = "|".join(re.escape(d.lower().strip(".")) for d in domains)
    return re.compile(
        r"(?<![\w.@%+-])(?:https?://)?(?:[\w.%+-]+@)?(?:[A-Za-z0-9-]+\.)*"
        rf"(?:{hosts})(?![A-Za-z0-9-])(?!\.[A-Za-z0-9]){_ADDRESS_TAIL}",
        re.IGNORECASE,
    )


def _identity_terms(
    identity: UnitIdentity, kind: str, severity: str, rank: int, skip: set[str]
) -> list[_Term]:
    terms: list[_Term] = []
    for t in identity.terms():
        if t in skip:
            continue
        skip.add(t)
        strong = t == identity.name or is_distinctive_alias(t)
        terms.append(_Term(t, kind, severity, rank, not strong, t == identity.name))
    latin = [(n, False) for n in identity.english_names] + [
        (a, True) for a in identity.abbreviations
    ]
    for t, case_sensitive in latin:
        t = t.strip()
        if not t or t in skip or _HAN_RE.search(t):
            continue
        skip.add(t)
        terms.append(
            _Term(
                t, kind, severity, rank, False, True,
                _latin_pattern(t, case_sensitive=case_sensitive),
            )
        )  # fmt: skip
    domains = tuple(d.strip() for d in identity.domains if d.strip())
    if domains:
        terms.append(
            _Term(
                "|".join(domains), kind, severity, rank, False, True,
                _domain_pattern(domains), address=True,
            )
        )  # fmt: skip
    return terms


def _unit_terms(
    unit: UnitIdentity | None, others: Iterable[UnitIdentity]
) -> list[_Term]:
    terms: list[_Term] = []
    own: set[str] = set()
    if unit is not None:
        terms += _identity_terms(unit, "unit", "high", 1, own)
    for other in others:
        if unit is not None and other.name == unit.name:
            continue
        terms += _identity_terms(other, "other_unit", "low", 0, set(own))
    return terms


def _split_name(name: str) -> tuple[str, str]:
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _syllables(text: str, *, heteronym: bool) -> list[list[str]]:
    # pypinyin's phrase dictionary costs ~0.2 s to import: only when a name is
    # spelt out, not in every process that merely imports the scanner
    from pypinyin import Style, pinyin

    out = []
    for readings in pinyin(text, style=Style.NORMAL, heteronym=heteronym):
        forms: list[str] = []
        for r in readings:
            r = r.lower().replace("ü", "v")
            forms += [r, r.replace("v", "u"), r.replace("v", "yu")]
        out.append(list(dict.fromkeys(forms)))
    return out


def pinyin_forms(name: str) -> re.Pattern[str] | None:
    """A pattern for a Chinese name written in Latin letters (module doc), or
    None when the name is not a two-to-four-character Chinese name."""
    name = "".join(name.split())
    if not (2 <= len(name) <= 4) or not all(_HAN_RE.match(c) for c in name):
        return None
    surname, given = _split_name(name)
    sur_forms = ["".join(p) for p in _product(_syllables(surname, heteronym=True))][:6]
    given_syll = [forms[0] for forms in _syllables(given, heteronym=False)]
    if not given_syll or not all(given_syll):
        return None
    sep = r"[\s\-‐]*"
    given_full = sep.join(map(re.escape, given_syll))
    caps = [f"(?-i:{s[0].upper()})" for s in given_syll]
    initials = caps[0] + r"\.?" + "".join(rf"(?:\s*-?\s*{c}\.?)?" for c in caps[1:])
    sur = "(?:" + "|".join(re.escape(s) for s in sur_forms) + ")"
    forms = [
        rf"{sur}(?:\s*,\s*|\s+){given_full}",  # Zhang Xiaoming, ZHANG Xiao-ming
        rf"{given_full}\s+{sur}",  # Xiaoming Zhang
        rf"{initials}\s+{sur}",  # X. Zhang, X.M. Zhang
        rf"{sur}\s*,?\s+{initials}",  # Zhang X.M., Zhang, X.
    ]
    body = "|".join(f"(?:{f})" for f in forms)
    # initials must be capitals; everything else is case-insensitive
    return re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", re.IGNORECASE)


def _product(lists: list[list[str]]) -> list[list[str]]:
    result: list[list[str]] = [[]]
    for options in lists:
        result = [r + [o] for r in result for o in options[:3]]
    return result


def _find_cjk(view: _View, term: _Term, location: str) -> Iterable[_Hit]:
    needle = fold(term.text)
    hay = view.compact.text
    if not needle:
        return
    pos = hay.find(needle)
    while pos >= 0:
        end = pos + len(needle)
        if _accept(hay, pos, end, term, location, view):
            start_o, end_o = view.compact.span(pos, end)
            yield _Hit(start_o, end_o, term)
        pos = hay.find(needle, pos + 1)


def _context_before(hay: str, pos: int) -> bool:
    window = hay[max(0, pos - 8) : pos]
    if window.endswith(CONTEXT_BEFORE):
        return True  # "毕业于重大": the phrase owns the character before
    stripped = _PUNCT_BETWEEN.sub("", window)
    return stripped != window and stripped.endswith(CONTEXT_BEFORE)


def _accept(
    hay: str, pos: int, end: int, term: _Term, location: str, view: _View
) -> bool:
    before = hay[pos - 1] if pos else ""
    after = hay[end : end + 1]
    if term.is_full_name:
        return not (term.kind in {"unit", "other_unit"} and after == "城")
    if term.kind == "person":
        return True
    if _context_before(hay, pos):
        return True
    if before and before in WORD_BEFORE.get(term.text[0], ""):
        return False
    if not term.short:
        return True
    tail = hay[end : end + 12]
    if tail.startswith(CONTEXT_AFTER) or _GAP_TO_COLLEGE.match(tail):
        return True
    if before in ("在", "于") and _STUDY_PERIOD.match(tail):
        return True
    if location in STANDALONE_LOCATIONS:
        start_o, end_o = view.compact.span(pos, end)
        left = view.original[start_o - 1 : start_o] if start_o else ""
        right = view.original[end_o : end_o + 1]
        return not _HAN_RE.match(left) and not _HAN_RE.match(right)
    return False


def _find_latin(view: _View, term: _Term) -> Iterable[_Hit]:
    pattern = term.pattern or _latin_pattern(term.text)
    for m in pattern.finditer(view.norm.text):
        start, end = view.norm.span(m.start(), m.end())
        yield _Hit(start, end, term, m.group(0) if term.address else "")


def _resolve_overlaps(hits: list[_Hit]) -> list[_Hit]:
    """Keep the longest of overlapping unit/person hits (own unit on ties)."""
    ordered = sorted(hits, key=lambda h: (-(h.end - h.start), -h.term.rank, h.start))
    kept: list[_Hit] = []
    for hit in ordered:
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


# ----------------------------------------------------------------- entry point


def _people_terms(people: Sequence[str]) -> list[_Term]:
    terms: list[_Term] = []
    for name in dict.fromkeys(p.strip() for p in people):
        if len(name) < 2:
            continue
        terms.append(_Term(name, "person", "high", 3, False, True))
        pattern = pinyin_forms(name)
        if pattern is not None:  # loses ties to a Latin name given as such
            terms.append(_Term(name, "person", "high", 2, False, True, pattern))
    return terms


def scan_document(
    document: object,
    *,
    unit: UnitIdentity | None,
    people: Sequence[str] = (),
    other_units: Sequence[UnitIdentity] = (),
) -> list[Finding]:
    """List the identity leaks in ``document``.

    ``document`` is a ``judging.documents.inspection.Document`` (its segments,
    its metadata pairs and its ``has_text`` flag are scanned) or any iterable of
    ``(location, text)`` or ``(location, text, source)`` tuples or objects with
    ``location`` and ``text``; only a ``Document`` can yield a ``no_text``
    finding.
    ``people`` are the authors' and advisor's names. ``other_units`` is the
    competition's unit list (the entry's own unit may be in it; it is
    skipped). Findings come in document order: by location, then source, then
    position; identical findings are reported once.
    """
    segments, has_text = _segments_of(document)
    terms = _unit_terms(unit, other_units) + _people_terms(people)
    findings: list[Finding] = []
    if not has_text:
        findings.append(
            Finding(
                kind="no_text",
                location="body",
                evidence="未能提取正文文字（可能是扫描件），需人工检查。",
                severity="manual",
            )
        )
    for location, text, source in segments:
        if not text.strip():
            continue
        view = _view(text)
        hits: list[_Hit] = []
        for term in terms:
            if term.pattern is None and _HAN_RE.search(term.text):
                hits.extend(_find_cjk(view, term, location))
            else:
                hits.extend(_find_latin(view, term))
        found = [
            (
                hit.start,
                Finding(
                    kind=hit.term.kind,
                    location=location,
                    evidence=_evidence(view.original, hit.start, hit.end),
                    severity=hit.term.severity,
                    term=hit.found or hit.term.text,
                    source=source,
                ),
            )
            for hit in _resolve_overlaps(hits)
        ]
        found += _contacts(view, location, source)
        found.sort(key=lambda pair: pair[0])
        for _, finding in found:
            if location == "metadata" and source:
                finding = replace(finding, evidence=f"{source}: {finding.evidence}")
            findings.append(finding)
    return _ordered(findings)


def _contacts(view: _View, location: str, source: str) -> list[tuple[int, Finding]]:
    found: list[tuple[int, Finding]] = []
    norm = view.norm

    def add(kind: str, m: re.Match[str]) -> None:
        start, end = norm.span(m.start(), m.end())
        found.append(
            (
                start,
                Finding(
                    kind=kind,
                    location=location,
                    evidence=_evidence(view.original, start, end),
                    severity="high",
                    term=m.group(0),
                    source=source,
                ),
            )
        )

    emails = list(EMAIL_RE.finditer(norm.text))
    for m in emails:
        add("email", m)
    for regex in (MOBILE_RE, LANDLINE_RE):
        for m in regex.finditer(norm.text):
            add("phone", m)
    for m in URL_RE.finditer(norm.text):
        inside_email = any(e.start() <= m.start() < e.end() for e in emails)
        if not inside_email and PERSONAL_URL_RE.search(m.group(0)):
            add("url", m)
    return found


def _segments_of(document: object) -> tuple[list[tuple[str, str, str]], bool]:
    """Normalise the accepted inputs to ``(location, text, source)`` triples."""
    out: list[tuple[str, str, str]] = []
    if hasattr(document, "segments"):
        for seg in document.segments:
            out.append((seg.location, seg.text, getattr(seg, "source", "")))
        for key, value in getattr(document, "metadata", ()):
            out.append(("metadata", value, key))
        has_text = bool(getattr(document, "has_text", True))
        return out, has_text
    for item in document:  # type: ignore[attr-defined]
        if isinstance(item, tuple):
            location, text = item[0], item[1]
            source = item[2] if len(item) > 2 else ""
        else:
            location, text = item.location, item.text
            source = getattr(item, "source", "")
        out.append((location, text, source))
    return out, True


def _ordered(findings: list[Finding]) -> list[Finding]:
    rank = {loc: i for i, loc in enumerate(LOCATION_ORDER)}
    unique = list(dict.fromkeys(findings))
    # stable: document order of sources and positions is kept within a location
    return sorted(unique, key=lambda f: rank.get(f.location, len(rank)))
