"""Validate imported unit and judge rows before anything is written.

Pure: no Flask, no database. A file with any bad row imports nothing, so these
functions collect every problem with its spreadsheet row number.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from judging.competitions.eligibility import UNIT_KINDS, UnknownKind, normalise_kind
from judging.i18n import N_, Said, said
from judging.numbers import NotANumber, parse_int
from judging.tables import Table, split_list

UNIT_COLUMNS = {
    "name": "name", "名称": "name", "学校": "name", "学校名称": "name",
    "高校名称": "name", "单位": "name", "单位名称": "name",
    "short_name": "short_name", "简称": "short_name",
    "aliases": "aliases", "别名": "aliases", "曾用名": "aliases",
    "english_name": "english_names", "english_names": "english_names",
    "英文名": "english_names", "英文名称": "english_names",
    "abbreviation": "abbreviations", "abbreviations": "abbreviations",
    "英文缩写": "abbreviations", "缩写": "abbreviations",
    "domain": "domains", "domains": "domains", "域名": "domains",
    "网站域名": "domains", "邮箱域名": "domains",
    "institutes": "institutes", "institute": "institutes", "二级学院": "institutes",
    "院系": "institutes",
    "kind": "kind", "类型": "kind", "类别": "kind", "办学层次": "kind",
    "单位类型": "kind",
    "is_pilot": "is_pilot", "pilot": "is_pilot", "试点": "is_pilot",
    "试点单位": "is_pilot", "是否试点": "is_pilot", "是否试点单位": "is_pilot",
    "groups": "groups", "group": "groups", "分组": "groups", "所属分组": "groups",
    "contact_name": "contact_name", "联系人": "contact_name", "联络员": "contact_name",
    "phone": "phone", "contact_phone": "phone", "电话": "phone", "联系电话": "phone",
    "手机": "phone",
    "email": "email", "contact_email": "email", "邮箱": "email", "电子邮箱": "email",
}  # fmt: skip

JUDGE_COLUMNS = {
    "name": "name", "姓名": "name",
    "title": "title", "职称": "title", "职务": "title", "职称/职务": "title",
    "affiliation": "affiliation", "单位": "affiliation", "工作单位": "affiliation",
    "所在单位": "affiliation",
    "expertise": "expertise", "研究方向": "expertise", "专长": "expertise",
    "专业领域": "expertise", "关键词": "expertise",
    "phone": "phone", "电话": "phone", "联系电话": "phone", "手机": "phone",
    "email": "email", "邮箱": "email", "电子邮箱": "email",
    "capacity": "capacity", "评审上限": "capacity", "最多评审篇数": "capacity",
}  # fmt: skip

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
UNITISH = re.compile(r"(大学|学校|(?<!科)学院|高专)$")  # 社会科学院 is no unit


@dataclass(frozen=True)
class KnownUnit:
    id: int
    name: str
    short_name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class UnitRow:
    row: int
    name: str
    short_name: str
    aliases: tuple[str, ...]
    kind: str
    contact_name: str
    phone: str
    email: str
    english_names: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    institutes: tuple[str, ...] = ()
    is_pilot: bool = False
    groups: tuple[str, ...] = ()
    columns: frozenset[str] = frozenset()  # the columns the file has


YES = {"是", "试点", "试点单位", "yes", "y", "true", "1", "√", "✓", "x"}
NO = {"", "否", "不是", "no", "n", "false", "0"}

DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
ABBREVIATION = re.compile(r"^[A-Za-z][A-Za-z0-9&.\-]{1,19}$")


def clean_domain(value: str) -> str:
    """ "http://www.CQU.edu.cn/" → "cqu.edu.cn"; "" when it is no domain."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].split("@")[-1]
    text = text.removeprefix("www.").strip(".")
    return text if DOMAIN.match(text) else ""


def identity_errors(
    row: int,
    *,
    english_names: Iterable[str],
    abbreviations: Iterable[str],
    domains: Iterable[str],
) -> list[RowError]:
    """Problems in a unit's extra name forms (shared by import and edit form)."""
    errors = []
    for name in english_names:
        if not name.isascii() or len(name) > 120:
            errors.append(
                RowError(
                    row,
                    said(
                        N_("英文名称应为英文且不超过 120 字符（%(name)s）"), name=name
                    ),
                )
            )
    for abbr in abbreviations:
        if not ABBREVIATION.match(abbr):
            errors.append(
                RowError(row, said(N_("英文缩写格式不正确（%(abbr)s）"), abbr=abbr))
            )
    for domain in domains:
        if not clean_domain(domain):
            errors.append(
                RowError(
                    row,
                    said(
                        N_("域名格式不正确（%(domain)s），例如 cqu.edu.cn"),
                        domain=domain,
                    ),
                )
            )
    return errors


@dataclass(frozen=True)
class JudgeRow:
    row: int
    name: str
    title: str
    affiliation: str
    unit_id: int | None
    expertise: tuple[str, ...]
    phone: str
    email: str
    capacity: int | None


@dataclass(frozen=True)
class RowError:
    """A problem on one row of an imported file; `message` is Chinese, a
    ``Said`` where it is to be said in the reader's language."""

    row: int
    message: str
    # a whole sentence quoted in the row's line: its closing 。 is left out
    quoted: bool = False

    def __str__(self) -> str:
        message = self.message.rstrip("。") if self.quoted else self.message
        return f"第 {self.row} 行：{message}"

    @property
    def said(self) -> Said:
        """The row and its problem, for ``|say`` (the reader's language)."""
        return said(
            N_("第 %(row)s 行：%(message)s"), row=self.row, message=self.message
        )


def _contact_errors(row: int, phone: str, email: str) -> list[RowError]:
    errors = []
    if email and not EMAIL.match(email):
        errors.append(
            RowError(row, said(N_("电子邮箱格式不正确（%(email)s）"), email=email))
        )
    if phone and not PHONE.match(phone):
        errors.append(
            RowError(row, said(N_("电话号码格式不正确（%(phone)s）"), phone=phone))
        )
    return errors


def validate_units(table: Table) -> tuple[list[UnitRow], list[RowError]]:
    """Check unit rows: a name on every row, no duplicate names or short names."""
    rows: list[UnitRow] = []
    errors: list[RowError] = []
    seen_names: dict[str, int] = {}
    seen_short: dict[str, int] = {}
    seen_domains: dict[str, int] = {}
    columns = frozenset(table.header) - {""}
    for number, cells in table.rows:
        name = cells.get("name", "")
        short = cells.get("short_name", "")
        if not name:
            errors.append(RowError(number, N_("单位名称为空")))
            continue
        if len(name) > 120:
            errors.append(RowError(number, N_("单位名称过长（最多 120 字）")))
        if name in seen_names:
            errors.append(
                RowError(
                    number,
                    said(
                        N_("单位名称“%(name)s”与第 %(row)s 行重复"),
                        name=name,
                        row=seen_names[name],
                    ),
                )
            )
        seen_names.setdefault(name, number)
        if short:
            if short in seen_short:
                errors.append(
                    RowError(
                        number,
                        said(
                            N_("简称“%(short)s”与第 %(row)s 行重复"),
                            short=short,
                            row=seen_short[short],
                        ),
                    )
                )
            seen_short.setdefault(short, number)
        phone, email = cells.get("phone", ""), cells.get("email", "")
        errors.extend(_contact_errors(number, phone, email))
        english_cell = cells.get("english_names", "")
        english = tuple(
            n.strip() for n in re.split(r"[|;；]", english_cell) if n.strip()
        )
        abbreviations = tuple(split_list(cells.get("abbreviations", "")))
        raw_domains = tuple(  # not split_list: "/" belongs to a web address
            d for d in re.split(r"[|;；,，、\s]+", cells.get("domains", "")) if d
        )
        errors.extend(
            identity_errors(
                number,
                english_names=english,
                abbreviations=abbreviations,
                domains=raw_domains,
            )
        )
        domains = tuple(dict.fromkeys(d for d in map(clean_domain, raw_domains) if d))
        try:
            kind = normalise_kind(cells.get("kind", ""))
        except UnknownKind as exc:
            kind = ""
            errors.append(
                RowError(
                    number,
                    said(
                        N_("单位类型“%(kind)s”无法识别（可填：%(kinds)s）"),
                        kind=str(exc),
                        kinds="、".join(UNIT_KINDS),
                    ),
                )
            )
        pilot_cell = cells.get("is_pilot", "").strip().lower()
        if pilot_cell not in YES | NO:
            errors.append(
                RowError(
                    number,
                    said(
                        N_("是否试点单位应填“是”或“否”，而不是“%(value)s”"),
                        value=pilot_cell,
                    ),
                )
            )
        groups = tuple(split_list(cells.get("groups", "")))
        if any(len(g) > 40 for g in groups):
            errors.append(RowError(number, N_("分组名称过长（每个最多 40 字）")))
        for domain in domains:
            if domain in seen_domains:
                errors.append(
                    RowError(
                        number,
                        said(
                            N_("域名“%(domain)s”与第 %(row)s 行重复"),
                            domain=domain,
                            row=seen_domains[domain],
                        ),
                    )
                )
            seen_domains.setdefault(domain, number)
        rows.append(
            UnitRow(
                row=number,
                name=name,
                short_name=short,
                aliases=tuple(split_list(cells.get("aliases", ""))),
                kind=kind,
                contact_name=cells.get("contact_name", ""),
                phone=phone,
                email=email,
                english_names=english,
                abbreviations=abbreviations,
                domains=domains,
                institutes=tuple(split_list(cells.get("institutes", ""))),
                is_pilot=pilot_cell in YES,
                groups=groups,
                columns=columns,
            )
        )
    return rows, errors


def resolve_unit(affiliation: str, units: Iterable[KnownUnit]) -> int | None:
    """The id of the listed unit a judge's affiliation names, if any.

    A judge from 重庆大学 must never review 重庆大学's essays, whether the sheet
    says 重庆大学, 重大 or an alias; so every known name form is matched.
    """
    text = affiliation.strip()
    for unit in units:
        if (
            text == unit.name
            or text in unit.aliases
            or (unit.short_name and text == unit.short_name)
        ):
            return unit.id
    for unit in units:  # "重庆大学马克思主义学院" belongs to 重庆大学
        if text.startswith(unit.name):
            return unit.id
    return None


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of a and b, or limit + 1 once it is surely above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, start=1):
            previous, row[j] = (
                row[j],
                min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb)),
            )
        if min(row) > limit:
            return limit + 1
    return row[-1]


def near_unit(affiliation: str, units: Iterable[KnownUnit]) -> KnownUnit | None:
    """The listed unit whose name the affiliation misspells, if any.

    "重庆大雪" is one character off 重庆大学: taken as an outside body it would
    escape the conflict rule, so the import asks instead. One wrong, missing or
    extra character counts (two for names of eight characters or more); names of
    fewer than four characters are too short to tell a typo from another unit.
    """
    text = affiliation.strip()
    if len(text) < 4:
        return None
    limit = 2 if len(text) >= 8 else 1
    best: tuple[int, KnownUnit] | None = None
    for unit in units:
        for name in (unit.name, *unit.aliases):
            if len(name) < 4:
                continue
            distance = _edits(text, name, limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, unit)
    return best[1] if best else None


def closest_units(text: str, units: Iterable[KnownUnit], n: int = 3) -> list[str]:
    """The listed units' names closest to `text` (a misspelling first), for a
    "did you mean" when a unit is named that is not on the list."""
    units = list(units)
    text = text.strip()
    forms: dict[str, str] = {}
    for unit in units:
        for form in (unit.name, unit.short_name, *unit.aliases):
            if form:
                forms.setdefault(form, unit.name)
    names: list[str] = []
    near = near_unit(text, units)
    if near is not None:
        names.append(near.name)
    for form in difflib.get_close_matches(text, list(forms), n=n * 2, cutoff=0.4):
        if forms[form] not in names:
            names.append(forms[form])
    names += [u.name for u in units if text and text in u.name and u.name not in names]
    return names[:n]


def validate_judges(
    table: Table, units: list[KnownUnit]
) -> tuple[list[JudgeRow], list[RowError]]:
    """Check judge rows: name and affiliation present, affiliation known if a unit."""
    rows: list[JudgeRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        name = cells.get("name", "")
        affiliation = cells.get("affiliation", "")
        if not name:
            errors.append(RowError(number, N_("姓名为空")))
            continue
        if not affiliation:
            errors.append(RowError(number, N_("工作单位为空")))
            continue
        key = (name, affiliation)
        if key in seen:
            errors.append(
                RowError(
                    number,
                    said(
                        N_("专家“%(name)s（%(affiliation)s）”与第 %(row)s 行重复"),
                        name=name,
                        affiliation=affiliation,
                        row=seen[key],
                    ),
                )
            )
        seen.setdefault(key, number)
        unit_id = resolve_unit(affiliation, units)
        near = near_unit(affiliation, units) if unit_id is None else None
        if near is not None:
            errors.append(
                RowError(
                    number,
                    said(
                        N_(
                            "工作单位“%(affiliation)s”不在单位名单中，是否为"
                            "「%(near)s」？（请改用名单中的名称）"
                        ),
                        affiliation=affiliation,
                        near=near.name,
                    ),
                )
            )
        elif unit_id is None and UNITISH.search(affiliation):
            errors.append(
                RowError(
                    number,
                    said(
                        N_(
                            "工作单位“%(affiliation)s”像是高校，但不在学校名单中"
                            "（请先导入该校或改用名单中的名称）"
                        ),
                        affiliation=affiliation,
                    ),
                )
            )
        capacity_text = cells.get("capacity", "")
        try:
            capacity = parse_int(capacity_text)
        except NotANumber:
            capacity = 0
        if capacity is not None and capacity < 1:
            errors.append(
                RowError(
                    number,
                    said(N_("评审上限应为正整数（%(value)s）"), value=capacity_text),
                )
            )
            capacity = None
        phone, email = cells.get("phone", ""), cells.get("email", "")
        errors.extend(_contact_errors(number, phone, email))
        rows.append(
            JudgeRow(
                row=number,
                name=name,
                title=cells.get("title", ""),
                affiliation=affiliation,
                unit_id=unit_id,
                expertise=tuple(split_list(cells.get("expertise", ""))),
                phone=phone,
                email=email,
                capacity=capacity,
            )
        )
    return rows, errors
