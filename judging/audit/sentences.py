"""Audit events as sentences: "王芳 将竞赛「…」从 已定稿 改为 已公布".

Each action key maps to one sentence template (a msgid with named fields); the
fields come from the event's actor, object, competition and detail. An action
without a template, or a template whose fields the event lacks, falls back to
"<who> 执行了「<action>」", never to the raw JSON, which stays one click away on
the page.

Pure: no Flask, no database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from judging.competitions.rules import PHASE_LABELS
from judging.i18n import N_, moment_text

MAX_VALUE = 80  # characters of a free-text detail quoted in a sentence
MAX_LIST = 5  # items of a list named before "等 n 项"


class Label(str):
    """A value that is itself a msgid (a phase, a role): translated when shown."""


@dataclass(frozen=True)
class EventFacts:
    """What the formatter needs of one event, as plain data."""

    action: str
    actor: str = ""  # display name or user name; "" for the system / command line
    object_type: str = ""
    object_id: int | None = None
    object_name: str = ""  # the object's name if known (user, unit, entry code)
    competition: str = ""  # the competition's title if any
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sentence:
    template: str
    params: Mapping[str, str]


# What each kind of action is called in the filter and in the fallback.
ACTION_LABELS = {
    "login": N_("登录"),
    "logout": N_("退出登录"),
    "password.change": N_("修改密码"),
    "password.reset": N_("重置密码"),
    "user.create": N_("创建账号"),
    "user.enable": N_("启用账号"),
    "user.disable": N_("停用账号"),
    "unit.create": N_("新增单位"),
    "unit.update": N_("修改单位"),
    "judge.create": N_("新增评审专家"),
    "judge.update": N_("修改评审专家"),
    "competition.create": N_("创建竞赛"),
    "competition.update": N_("修改竞赛设置"),
    "competition.phase": N_("竞赛阶段变更"),
    "entry.create": N_("报送作品"),
    "entry.update": N_("修改作品"),
    "entry.withdraw": N_("撤回作品"),
    "entry.correct": N_("更正作品信息"),
    "entry.redaction_request": N_("请单位重新提交"),
    "entry.redacted": N_("上传处理后的评审稿"),
    "entry.fields_redacted": N_("修改评审专家看到的作品信息"),
    "extension.grant": N_("延长截止时间"),
    "submissions.close": N_("截止报送并编号"),
    "finding.harmless": N_("匿名性问题标记无碍"),
    "originality.start": N_("开始查重"),
    "originality.check": N_("查重完成"),
    "originality.settle": N_("处理查重结果"),
    "conflict.add": N_("登记回避"),
    "conflict.remove": N_("取消回避"),
    "conflict.declare": N_("评审专家声明回避"),
    "assignment.apply": N_("应用分配方案"),
    "assignment.add": N_("增派评审专家"),
    "assignment.extra": N_("增派评审专家"),
    "assignment.swap": N_("更换评审专家"),
    "assignment.remove": N_("撤下评审专家"),
    "notify.assignment": N_("发送评审任务通知"),
    "notify.reminder": N_("发送催评提醒"),
    "review.submit": N_("提交评分"),
    "review.reopen": N_("退回评分"),
    "review.paper_import": N_("导入纸质评分"),
    "results.freeze": N_("结果定稿"),
    "results.override": N_("人工调整奖项"),
    "results.override_clear": N_("取消人工调整"),
    "certificates.settings": N_("修改证书设置"),
    "certificates.seal": N_("上传印章"),
    "certificates.seal_removed": N_("删除印章"),
    "certificates.issue": N_("生成证书编号"),
    "certificates.batch": N_("生成证书文件"),
    "results.export": N_("后台生成结果文件"),
    "submissions.export": N_("后台生成档案包"),
    "certificate.revoke": N_("作废证书"),
}

# Kinds of event for the log's filter: a label and the actions' first words.
KINDS = {
    "account": (N_("登录与账号"), ("login", "logout", "password", "user")),
    "people": (N_("单位与评审专家"), ("unit", "judge")),
    "competition": (N_("竞赛设置与阶段"), ("competition",)),
    "entry": (N_("作品与报送"), ("entry", "extension", "submissions")),
    "checks": (N_("匿名性与查重"), ("finding", "originality")),
    "assignment": (N_("回避与分配"), ("conflict", "assignment", "notify")),
    "review": (N_("评分"), ("review",)),
    "results": (N_("结果与证书"), ("results", "certificates", "certificate")),
}

TEMPLATES = {
    "login": N_("%(actor)s 登录了系统"),
    "logout": N_("%(actor)s 退出了登录"),
    "password.change": N_("%(actor)s 修改了自己的密码"),
    "password.reset": N_("%(actor)s 重置了账号 %(object)s 的密码"),
    "user.create": N_("%(actor)s 创建了账号 %(object)s"),
    "user.enable": N_("%(actor)s 启用了账号 %(object)s"),
    "user.disable": N_("%(actor)s 停用了账号 %(object)s"),
    "unit.create": N_("%(actor)s 新增了单位 %(object)s"),
    "unit.update": N_("%(actor)s 修改了单位 %(object)s 的资料"),
    "judge.create": N_("%(actor)s 新增了评审专家 %(object)s"),
    "judge.update": N_("%(actor)s 修改了评审专家 %(object)s 的资料"),
    "competition.create": N_("%(actor)s 创建了竞赛「%(title)s」"),
    "competition.update": N_("%(actor)s 修改了竞赛「%(competition)s」的设置"),
    "competition.phase": N_(
        "%(actor)s 将竞赛「%(competition)s」从 %(before)s 改为 %(after)s"
    ),
    "entry.create": N_("%(actor)s 报送了作品 %(object)s"),
    "entry.update": N_("%(actor)s 修改了作品 %(object)s"),
    "entry.withdraw": N_("%(actor)s 撤回了作品 %(object)s"),
    "entry.correct": N_("%(actor)s 更正了作品 %(object)s 的信息"),
    "entry.redaction_request": N_(
        "%(actor)s 请单位在 %(until)s 前重新提交作品 %(object)s：%(note)s"
    ),
    "entry.redacted": N_("%(actor)s 为作品 %(object)s 上传了处理后的评审稿"),
    "entry.fields_redacted": N_("%(actor)s 修改了作品 %(object)s 给评审专家看的信息"),
    "extension.grant": N_(
        "%(actor)s 将 %(unit)s 的截止时间延长到 %(until)s：%(reason)s"
    ),
    "submissions.close": N_(
        "%(actor)s 截止了竞赛「%(competition)s」的报送，为 %(entries)s 篇作品编号"
    ),
    "finding.harmless": N_("%(actor)s 将匿名性问题「%(term)s」标记为无碍：%(note)s"),
    "originality.start": N_("%(actor)s 开始了竞赛「%(competition)s」的查重"),
    "originality.check": N_(
        "竞赛「%(competition)s」查重完成：%(entries)s 篇作品，%(pairs)s 对相似"
    ),
    "originality.settle": N_("%(actor)s 处理了一对相似作品：%(reason)s"),
    "conflict.add": N_("%(actor)s 登记了回避：%(judge)s，%(reason)s"),
    "conflict.remove": N_("%(actor)s 取消了一条回避：%(reason)s"),
    "conflict.declare": N_("%(actor)s 声明回避作品 %(entry)s：%(reason)s"),
    "assignment.apply": N_(
        "%(actor)s 应用了竞赛「%(competition)s」的分配方案，"
        "新增 %(new_pairs)s 条评审任务"
    ),
    "assignment.add": N_("%(actor)s 为作品 %(entry)s 增派了评审专家 %(judge)s"),
    "assignment.extra": N_("%(actor)s 为作品 %(entry)s 增派了 %(judges)s 位评审专家"),
    "assignment.swap": N_(
        "%(actor)s 将作品 %(entry)s 的评审专家 %(before)s 换为 %(after)s"
    ),
    "assignment.remove": N_("%(actor)s 撤下了作品 %(entry)s 的评审专家 %(judge)s"),
    "notify.assignment": N_("%(actor)s 发送了评审任务通知 %(sent)s 封"),
    "notify.reminder": N_("%(actor)s 发送了催评提醒 %(sent)s 封"),
    "review.submit": N_("%(actor)s 提交了评分（总分 %(total)s）"),
    "review.reopen": N_("%(actor)s 退回了一份评分：%(reason)s"),
    "review.paper_import": N_("%(actor)s 导入了纸质评分（总分 %(total)s）"),
    "results.freeze": N_(
        "%(actor)s 将竞赛「%(competition)s」的结果定稿（%(entries)s 篇）"
    ),
    "results.override": N_("%(actor)s 人工调整了作品 %(object)s 的奖项：%(reason)s"),
    "results.override_clear": N_("%(actor)s 取消了作品 %(object)s 的人工调整"),
    "certificates.settings": N_("%(actor)s 修改了竞赛「%(competition)s」的证书设置"),
    "certificates.seal": N_("%(actor)s 上传了证书印章"),
    "certificates.seal_removed": N_("%(actor)s 删除了证书印章"),
    "certificates.issue": N_("%(actor)s 生成了 %(created)s 个证书编号"),
    "certificates.batch": N_("%(actor)s 生成了证书文件（%(pages)s 页）"),
    "results.export": N_("%(actor)s 在后台生成了文件「%(file)s」"),
    "submissions.export": N_("%(actor)s 在后台生成了文件「%(file)s」"),
    "certificate.revoke": N_("%(actor)s 作废了证书 %(serial)s：%(reason)s"),
}
FALLBACK = N_("%(actor)s 执行了「%(action)s」")
FALLBACK_OBJECT = N_("%(actor)s 对 %(object)s 执行了「%(action)s」")
SYSTEM = N_("系统")


def _text(value: Any) -> str:
    """A detail value as short plain text: lists counted, long text cut."""
    if isinstance(value, bool):
        return Label(N_("是") if value else N_("否"))
    if isinstance(value, list | tuple):
        items = [_text(v) for v in value[:MAX_LIST]]
        more = len(value) - len(items)
        return "、".join(items) + (f" 等 {len(value)} 项" if more > 0 else "")
    if isinstance(value, dict):
        return ""
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _local_time(value: Any) -> Any:
    """An ISO instant from the detail as an aware datetime (naive ones are
    UTC): `render` writes it the way the pages write a moment, in the reader's
    language, on the competition's clock (Asia/Shanghai)."""
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _count(value: Any) -> Any:
    return len(value) if isinstance(value, list | tuple) else value


def _fields(template: str) -> list[str]:
    """The named fields a template uses."""
    return re.findall(r"%\((\w+)\)s", template)


def parse_detail(text: str) -> dict[str, Any]:
    """The stored JSON detail as a dict; anything else is an empty dict."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def describe(event: EventFacts) -> Sentence:
    """The event as one sentence: its template, or the fallback if fields lack."""
    detail = dict(event.detail)
    object_name = event.object_name or (
        f"#{event.object_id}" if event.object_id is not None else ""
    )
    params: dict[str, str] = {
        "actor": event.actor or Label(SYSTEM),
        "object": object_name,
        "competition": event.competition,
        "action": Label(ACTION_LABELS.get(event.action, event.action)),
    }
    for key, value in detail.items():
        if key in ("entries", "pairs", "new_pairs", "created", "sent", "judges"):
            value = _count(value)
        elif key in ("until", "at"):
            value = _local_time(value)
        if key not in params:
            params[key] = value if isinstance(value, datetime) else _text(value)
    if event.action == "competition.phase":
        for key in ("before", "after"):
            phase = detail.get(key, "")
            params[key] = Label(PHASE_LABELS[phase]) if phase in PHASE_LABELS else ""
    template = TEMPLATES.get(event.action)
    if template is not None and all(params.get(k) for k in _fields(template)):
        return Sentence(template, params)
    return Sentence(FALLBACK_OBJECT if object_name else FALLBACK, params)


def render(sentence: Sentence, gettext: Callable[[str], str]) -> str:
    """The sentence in the reader's language: template and labels translated."""
    values = {k: _said(v, gettext) for k, v in sentence.params.items()}
    return gettext(sentence.template) % values


def _said(value: Any, gettext: Callable[[str], str]) -> Any:
    if isinstance(value, Label):
        return gettext(value)
    if isinstance(value, datetime):
        return moment_text(value, gettext)
    return value


def kind_of(action: str) -> str:
    """The kind (a key of KINDS) an action belongs to, or "" if none."""
    first = action.split(".", 1)[0]
    for key, (_label, prefixes) in KINDS.items():
        if first in prefixes:
            return key
    return ""
