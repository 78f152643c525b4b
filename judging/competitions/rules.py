"""Competition settings: defaults, validation and the Asia/Shanghai calendar.

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from judging.i18n import N_

SHANGHAI = ZoneInfo("Asia/Shanghai")

PHASES = (
    "draft",
    "open",
    "closed",
    "reviewing",
    "finalised",
    "publicity",
    "published",
)
PHASE_LABELS = {
    "draft": N_("草稿"),
    "open": N_("征集中"),
    "closed": N_("已截止"),
    "reviewing": N_("评审中"),
    "finalised": N_("已定稿"),
    "publicity": N_("公示中"),
    "published": N_("已公布"),
}


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    max_points: int
    guidance: str = ""


@dataclass(frozen=True)
class TierSpec:
    name: str
    share_percent: Decimal | None = None
    count: int | None = None


DEFAULT_RUBRIC = (
    CriterionSpec("选题与政治方向", 20, "选题紧扣主题，政治方向正确，立意鲜明。"),
    CriterionSpec("理论深度", 25, "理论基础扎实，观点准确，论述有深度。"),
    CriterionSpec("调研与论证", 25, "调研方法科学，数据翔实，论证充分。"),
    CriterionSpec(
        "创新与应用价值", 20, "观点或方法有创新，对产业工人队伍建设改革有参考价值。"
    ),
    CriterionSpec("写作规范", 10, "结构合理，语言规范，引用标注规范。"),
)

DEFAULT_TIERS = (
    TierSpec("一等奖", share_percent=Decimal("10")),
    TierSpec("二等奖", share_percent=Decimal("20")),
    TierSpec("三等奖", share_percent=Decimal("30")),
)


@dataclass(frozen=True)
class Settings:
    title: str
    opens_on: date
    closes_on: date
    min_entries: int
    max_entries: int
    file_types: frozenset[str]
    max_file_mb: int
    min_words: int | None
    max_words: int | None
    reviews_per_entry: int
    criteria: tuple[CriterionSpec, ...]
    tiers: tuple[TierSpec, ...]


def start_of_day(day: date) -> datetime:
    """The first instant of `day` in Asia/Shanghai, as UTC."""
    return datetime.combine(day, time(0, 0), SHANGHAI).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """ "截止 10 月 17 日" means submissions are taken until that day ends in Shanghai.

    Returned as the first instant of the next day (UTC); a submission is on time
    when it arrives strictly before it.
    """
    return start_of_day(day + timedelta(days=1))


def local_day(instant: datetime, *, inclusive_end: bool = False) -> date:
    """The Shanghai calendar day of an instant; for an end bound, the day it closes."""
    local = instant.astimezone(SHANGHAI)
    if inclusive_end and local.time() == time(0, 0):
        return (local - timedelta(days=1)).date()
    return local.date()


def validate_settings(s: Settings) -> list[str]:
    """Every problem with the settings, as Chinese sentences; empty when valid."""
    errors: list[str] = []
    if not s.title.strip():
        errors.append("请填写竞赛名称。")
    if s.closes_on < s.opens_on:
        errors.append("截止日期不能早于开始日期。")
    if s.min_entries < 0:
        errors.append("每校最少篇数不能为负数。")
    if s.max_entries < 1:
        errors.append("每校最多篇数至少为 1。")
    if s.min_entries > s.max_entries:
        errors.append("每校最少篇数不能大于最多篇数。")
    if not s.file_types or not s.file_types <= {"pdf", "docx"}:
        errors.append("请至少选择一种文件类型（PDF 或 DOCX）。")
    if not 1 <= s.max_file_mb <= 100:
        errors.append("文件大小上限应在 1–100 MB 之间。")
    if s.min_words is not None and s.min_words < 0:
        errors.append("字数下限不能为负数。")
    if (
        s.min_words is not None
        and s.max_words is not None
        and s.min_words > s.max_words
    ):
        errors.append("字数下限不能大于字数上限。")
    if not 1 <= s.reviews_per_entry <= 15:
        errors.append("每篇评审人数应在 1–15 之间。")
    if not s.criteria:
        errors.append("评分细则至少需要一项。")
    names = [c.name for c in s.criteria]
    for c in s.criteria:
        if not c.name.strip():
            errors.append("评分项名称不能为空。")
        if c.max_points <= 0:
            errors.append(f"评分项“{c.name}”的满分必须大于 0。")
    if len(set(names)) != len(names):
        errors.append("评分项名称不能重复。")
    errors.extend(validate_tiers(s.tiers))
    return errors


def validate_tiers(tiers: tuple[TierSpec, ...]) -> list[str]:
    errors: list[str] = []
    if not tiers:
        errors.append("奖项设置至少需要一个等级。")
    total_share = Decimal(0)
    for t in tiers:
        if not t.name.strip():
            errors.append("奖项名称不能为空。")
        if (t.share_percent is None) == (t.count is None):
            errors.append(f"奖项“{t.name}”须填写比例或名额之一。")
        if t.share_percent is not None:
            if t.share_percent <= 0:
                errors.append(f"奖项“{t.name}”的比例必须大于 0。")
            total_share += t.share_percent
        if t.count is not None and t.count <= 0:
            errors.append(f"奖项“{t.name}”的名额必须大于 0。")
    if total_share > 100:
        errors.append(f"各奖项比例之和为 {total_share}%，超过 100%。")
    if len({t.name for t in tiers}) != len(tiers):
        errors.append("奖项名称不能重复。")
    return errors


def from_local(naive: datetime) -> datetime:
    """A wall-clock time typed in Asia/Shanghai, as an aware UTC instant."""
    return naive.replace(tzinfo=SHANGHAI).astimezone(UTC)


def default_settings(
    *, title: str, opens_on: date, closes_on: date, **changes: object
) -> Settings:
    """The settings of a usual essay competition (1–5 essays per unit, PDF or
    DOCX up to 20 MB, three judges, default rubric and awards), with `changes`."""
    values: dict[str, object] = {
        "title": title,
        "opens_on": opens_on,
        "closes_on": closes_on,
        "min_entries": 1,
        "max_entries": 5,
        "file_types": frozenset({"pdf", "docx"}),
        "max_file_mb": 20,
        "min_words": None,
        "max_words": None,
        "reviews_per_entry": 3,
        "criteria": DEFAULT_RUBRIC,
        "tiers": DEFAULT_TIERS,
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]
