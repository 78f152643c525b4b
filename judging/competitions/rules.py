"""Competition settings: defaults, validation and the Asia/Shanghai calendar.

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from judging.i18n import N_, said

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
# A collection is gathered and archived, never judged.
COLLECTION_PHASES = ("draft", "open", "closed", "archived")
ALL_PHASES = PHASES + ("archived",)
PHASE_LABELS = {
    "draft": N_("草稿"),
    "open": N_("征集中"),
    "closed": N_("已截止"),
    "reviewing": N_("评审中"),
    "finalised": N_("已定稿"),
    "publicity": N_("公示中"),
    "published": N_("已公布"),
    "archived": N_("已归档"),
}
KIND_LABELS = {"competition": N_("评审竞赛"), "collection": N_("材料征集")}
PEOPLE_LABELS = {
    "authors": N_("作者（至少一位）"),
    "responsible": N_("负责人（一位）"),
    "none": N_("不填写人员"),
}
OPTIONAL_FIELDS = {
    "abstract": N_("摘要"),
    "keywords": N_("关键词"),
    "advisor": N_("指导教师"),
}
ATTACHMENT_LABELS = {
    "document": N_("文档（PDF/DOCX）"),
    "photo": N_("照片（JPEG/PNG/HEIC）"),
    "video": N_("短视频（MP4）"),
}


def phases_for(kind: str) -> tuple[str, ...]:
    """The phases a call of this kind goes through, in order."""
    return COLLECTION_PHASES if kind == "collection" else PHASES


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

# What the new-competition form offers an organiser who reads English: the same
# rubric and awards in English (what is typed is the competition's own wording,
# like a message template, so the defaults are data in each language).
DEFAULT_RUBRIC_EN = (
    CriterionSpec(
        "Topic and political direction",
        20,
        "On the theme, politically sound, with a clear standpoint.",
    ),
    CriterionSpec(
        "Theoretical depth", 25, "Sound theory, accurate views, argued in depth."
    ),
    CriterionSpec(
        "Research and argument",
        25,
        "Sound research methods, full data, a well-supported argument.",
    ),
    CriterionSpec(
        "Innovation and practical value",
        20,
        "New views or methods, useful to the reform of the industrial workforce.",
    ),
    CriterionSpec(
        "Writing", 10, "Well structured, clear language, sources properly cited."
    ),
)

DEFAULT_TIERS_EN = (
    TierSpec("First prize", share_percent=Decimal("10")),
    TierSpec("Second prize", share_percent=Decimal("20")),
    TierSpec("Third prize", share_percent=Decimal("30")),
)


def default_scheme(
    language: str,
) -> tuple[tuple[CriterionSpec, ...], tuple[TierSpec, ...]]:
    """The rubric and awards offered for a new competition, in `language`."""
    if language == "en":
        return DEFAULT_RUBRIC_EN, DEFAULT_TIERS_EN
    return DEFAULT_RUBRIC, DEFAULT_TIERS


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
    kind: str = "competition"
    categories: tuple[str, ...] = ("理论研究", "调研报告")
    people: str = "authors"
    required_fields: frozenset[str] = frozenset()
    attachment_kinds: frozenset[str] = frozenset()
    max_attachments: int = 9
    max_video_mb: int = 200
    max_entry_mb: int = 500
    attachments_to_judges: bool = False


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
        errors.append(N_("请填写竞赛名称。"))
    if s.closes_on < s.opens_on:
        errors.append(N_("截止日期不能早于开始日期。"))
    if s.min_entries < 0:
        errors.append(N_("每校最少篇数不能为负数。"))
    if s.max_entries < 1:
        errors.append(N_("每校最多篇数至少为 1。"))
    if s.min_entries > s.max_entries:
        errors.append(N_("每校最少篇数不能大于最多篇数。"))
    if not s.file_types or not s.file_types <= {"pdf", "docx"}:
        errors.append(N_("请至少选择一种文件类型（PDF 或 DOCX）。"))
    if not 1 <= s.max_file_mb <= 100:
        errors.append(N_("文件大小上限应在 1–100 MB 之间。"))
    if s.min_words is not None and s.min_words < 0:
        errors.append(N_("字数下限不能为负数。"))
    if (
        s.min_words is not None
        and s.max_words is not None
        and s.min_words > s.max_words
    ):
        errors.append(N_("字数下限不能大于字数上限。"))
    errors.extend(_form_problems(s))
    if s.kind == "collection":
        return errors  # no rubric, judges or awards
    if not 1 <= s.reviews_per_entry <= 15:
        errors.append(N_("每篇评审人数应在 1–15 之间。"))
    if not s.criteria:
        errors.append(N_("评分细则至少需要一项。"))
    names = [c.name for c in s.criteria]
    for c in s.criteria:
        if not c.name.strip():
            errors.append(N_("评分项名称不能为空。"))
        if c.max_points <= 0:
            errors.append(said(N_("评分项“%(name)s”的满分必须大于 0。"), name=c.name))
    if len(set(names)) != len(names):
        errors.append(N_("评分项名称不能重复。"))
    errors.extend(validate_tiers(s.tiers))
    return errors


def _form_problems(s: Settings) -> list[str]:
    """What is wrong with the call's kind and its entry form."""
    errors: list[str] = []
    if s.kind not in KIND_LABELS:
        errors.append(N_("请选择征集类型（评审竞赛或材料征集）。"))
    names = [c.strip() for c in s.categories]
    if any(not c for c in names):
        errors.append(N_("类别名称不能为空。"))
    if len(set(names)) != len(names):
        errors.append(N_("类别名称不能重复。"))
    if any(len(c) > 40 for c in names):
        errors.append(N_("类别名称不能超过 40 个字。"))
    if len("|".join(names)) > 400 or any("|" in c for c in names):
        errors.append(N_("类别太多或含有“|”。"))
    if s.people not in PEOPLE_LABELS:
        errors.append(N_("请选择作品需要填写的人员。"))
    if not s.required_fields <= set(OPTIONAL_FIELDS):
        errors.append(N_("必填项只能是摘要、关键词或指导教师。"))
    if not s.attachment_kinds <= set(ATTACHMENT_LABELS):
        errors.append(N_("附件类型只能是文档、照片或短视频。"))
    if not 0 <= s.max_attachments <= 50:
        errors.append(N_("每件作品的附件数应在 0–50 之间。"))
    if not 1 <= s.max_video_mb <= 2000:
        errors.append(N_("视频大小上限应在 1–2000 MB 之间。"))
    if not 1 <= s.max_entry_mb <= 5000:
        errors.append(N_("每件作品的文件总大小上限应在 1–5000 MB 之间。"))
    if s.attachment_kinds and s.max_attachments == 0:
        errors.append(N_("允许上传附件时，附件数上限至少为 1。"))
    return errors


def validate_tiers(tiers: tuple[TierSpec, ...]) -> list[str]:
    errors: list[str] = []
    if not tiers:
        errors.append(N_("奖项设置至少需要一个等级。"))
    total_share = Decimal(0)
    for t in tiers:
        if not t.name.strip():
            errors.append(N_("奖项名称不能为空。"))
        if (t.share_percent is None) == (t.count is None):
            errors.append(said(N_("奖项“%(name)s”须填写比例或名额之一。"), name=t.name))
        if t.share_percent is not None:
            if t.share_percent <= 0:
                errors.append(said(N_("奖项“%(name)s”的比例必须大于 0。"), name=t.name))
            total_share += t.share_percent
        if t.count is not None and t.count <= 0:
            errors.append(said(N_("奖项“%(name)s”的名额必须大于 0。"), name=t.name))
    if total_share > 100:
        errors.append(
            said(
                N_("各奖项比例之和为 %(total_share)s%%，超过 100%%。"),
                total_share=total_share,
            )
        )
    if len({t.name for t in tiers}) != len(tiers):
        errors.append(N_("奖项名称不能重复。"))
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
