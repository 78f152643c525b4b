"""The default wording of every message kind, and filling a template in.

Pure: no Flask, no database.

A template is a subject and a body with ``{placeholders}``; each kind lists the
placeholders it offers. Only those names are accepted (no attribute access, no
indexing), so an organiser's template can neither fail at sending time nor
reach anything but the values given. The judges' kinds offer only what a judge
may see: codes, titles, the competition and their own login.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from judging.i18n import N_, message_of, said


@dataclass(frozen=True)
class Kind:
    label: str
    audience: str  # "unit", "judge" or "objector"
    fields: tuple[str, ...]
    zh: tuple[str, str]
    en: tuple[str, str]


_SIGN_ZH = "\n\n竞赛主办方"
_SIGN_EN = "\n\nThe organisers"

KINDS: dict[str, Kind] = {
    "entry_received": Kind(
        N_("作品报送回执"),
        "unit",
        ("competition", "unit", "title", "submitted_at", "receipt_url"),
        (
            "【报送回执】{competition}：{title}",
            "{unit}：\n\n已收到贵单位报送的作品《{title}》（{submitted_at}）。"
            "\n回执可在此下载：{receipt_url}" + _SIGN_ZH,
        ),
        (
            "[Receipt] {competition}: {title}",
            '{unit}:\n\nWe received your entry "{title}" ({submitted_at}).\n'
            "Download the receipt here: {receipt_url}" + _SIGN_EN,
        ),
    ),
    "redaction_requested": Kind(
        N_("请重新提交匿名稿"),
        "unit",
        ("competition", "unit", "title", "note", "findings", "until", "url"),
        (
            "【请重新提交】{competition}：{title}",
            "{unit}：\n\n作品《{title}》中发现可能暴露身份的内容：\n{findings}\n\n"
            "主办方说明：{note}\n\n请在 {until} 前上传处理后的文件：{url}" + _SIGN_ZH,
        ),
        (
            "[Please resubmit] {competition}: {title}",
            '{unit}:\n\nThe entry "{title}" may reveal who wrote it:\n'
            "{findings}\n\nThe organisers' note: {note}\n\n"
            "Please upload a redacted file before {until}: {url}" + _SIGN_EN,
        ),
    ),
    "redaction_accepted": Kind(
        N_("匿名稿已接收"),
        "unit",
        ("competition", "unit", "title", "findings"),
        (
            "【已接收】{competition}：{title} 的重新提交稿",
            "{unit}：\n\n已收到作品《{title}》重新提交的文件，检查结果：{findings}。"
            + _SIGN_ZH,
        ),
        (
            "[Received] {competition}: the new file of {title}",
            '{unit}:\n\nWe received the new file of "{title}"; check: {findings}.'
            + _SIGN_EN,
        ),
    ),
    "deadline_approaching": Kind(
        N_("截止提醒"),
        "unit",
        ("competition", "unit", "days", "deadline", "submitted", "minimum", "url"),
        (
            "【截止提醒】{competition} 还有 {days} 天截止",
            "{unit}：\n\n“{competition}”将于 {deadline} 截止报送。贵单位已报送 "
            "{submitted} 篇，至少需报送 {minimum} 篇。\n报送入口：{url}" + _SIGN_ZH,
        ),
        (
            "[Reminder] {competition} closes in {days} days",
            '{unit}:\n\n"{competition}" closes on {deadline}. Your unit has '
            "submitted {submitted} (at least {minimum} expected).\n{url}" + _SIGN_EN,
        ),
    ),
    "submission_reminder": Kind(
        N_("催报提醒"),
        "unit",
        (
            "competition",
            "unit",
            "deadline",
            "submitted",
            "minimum",
            "maximum",
            "measure",
            "url",
        ),  # fmt: skip
        (
            "【催报提醒】{competition}",
            "{unit}：\n\n“{competition}”要求每个单位报送 {minimum}–{maximum} "
            "{measure}，{unit}目前已报送 {submitted} {measure}。\n"
            "报送截止时间为北京时间 {deadline}（截止后系统不再接收）。\n"
            "报送入口：{url}" + _SIGN_ZH,
        ),
        (
            "[Reminder] {competition}",
            '{unit}:\n\n"{competition}" asks each unit for {minimum} to {maximum} '
            "entries; {unit} has submitted {submitted}.\nSubmissions close on "
            "{deadline} (Beijing time).\n{url}" + _SIGN_EN,
        ),
    ),
    "submission_closed": Kind(
        N_("报送已截止"),
        "unit",
        ("competition", "unit", "deadline", "closed_at", "submitted", "note"),
        (
            "【报送已截止】{competition}",
            "{unit}：\n\n“{competition}”已于 {closed_at} 截止报送"
            "（公布的截止时间为 {deadline}）。{note}\n贵单位共报送 {submitted} 篇。"
            + _SIGN_ZH,
        ),
        (
            "[Closed] {competition}",
            '{unit}:\n\nSubmission to "{competition}" closed at {closed_at} '
            "(published deadline {deadline}). {note}\nYour unit submitted "
            "{submitted}." + _SIGN_EN,
        ),
    ),
    "publicity_started": Kind(
        N_("公示开始"),
        "unit",
        ("competition", "unit", "starts", "ends", "url"),
        (
            "【公示】{competition} 评审结果公示",
            "{unit}：\n\n“{competition}”评审结果公示期为 {starts} 至 {ends}。"
            "如有异议，请在公示期内提出：{url}" + _SIGN_ZH,
        ),
        (
            "[Public notice] {competition}",
            '{unit}:\n\nThe provisional results of "{competition}" are on public '
            "notice from {starts} to {ends}. Objections: {url}" + _SIGN_EN,
        ),
    ),
    "results_published": Kind(
        N_("结果公布"),
        "unit",
        ("competition", "unit", "results", "url"),
        (
            "【结果公布】{competition}",
            "{unit}：\n\n“{competition}”评审结果已正式公布。贵单位作品：\n"
            "{results}\n\n详情与证书：{url}" + _SIGN_ZH,
        ),
        (
            "[Results] {competition}",
            '{unit}:\n\nThe results of "{competition}" are published. '
            "Your entries:\n{results}\n\nDetails and certificates: {url}" + _SIGN_EN,
        ),
    ),
    "result_corrected": Kind(
        N_("结果更正"),
        "unit",
        ("competition", "unit", "title", "before", "after", "reason", "serial"),
        (
            "【更正】{competition}：{title}",
            "{unit}：\n\n作品《{title}》的评审结果已更正：{before} → {after}。\n"
            "原因：{reason}\n证书编号：{serial}" + _SIGN_ZH,
        ),
        (
            "[Correction] {competition}: {title}",
            '{unit}:\n\nThe result of "{title}" was corrected: {before} → '
            "{after}.\nReason: {reason}\nCertificate: {serial}" + _SIGN_EN,
        ),
    ),
    "objection_reply": Kind(
        N_("异议答复"),
        "objector",
        ("competition", "name", "title", "decision", "reply"),
        (
            "【异议答复】{competition}",
            "{name}：\n\n您对作品《{title}》提出的异议已处理：{decision}。\n\n"
            "答复：{reply}" + _SIGN_ZH,
        ),
        (
            "[Objection answered] {competition}",
            '{name}:\n\nYour objection about "{title}" was {decision}.\n\n'
            "Reply: {reply}" + _SIGN_EN,
        ),
    ),
    "judge_assignment": Kind(
        N_("评审任务通知"),
        "judge",
        ("competition", "name", "count", "essays", "login_url", "username"),
        (
            "【评审任务通知】{competition}",
            "{name} 专家：\n\n您好！“{competition}”的评审工作已经开始，"
            "请您评审以下 {count} 篇作品：\n\n{essays}\n\n"
            "请登录评审系统查看评审稿并填写评分表：{login_url}\n"
            "登录用户名：{username}\n\n"
            "作品均已匿名处理。如发现您与某篇作品存在利益关系，请在评审页申报回避。"
            + _SIGN_ZH,
        ),
        (
            "[Review assignment] {competition}",
            'Dear {name},\n\nReviewing for "{competition}" has begun; please '
            "review these {count} essays:\n\n{essays}\n\nSign in: {login_url}\n"
            "User name: {username}\n\nAll essays are anonymous. If you have a "
            "conflict of interest, declare it on the review page." + _SIGN_EN,
        ),
    ),
    "judge_reminder": Kind(
        N_("评审催办提醒"),
        "judge",
        ("competition", "name", "count", "essays", "login_url", "username"),
        (
            "【评审催办提醒】{competition}",
            "{name} 专家：\n\n您好！“{competition}”中尚有 {count} 篇作品您还未"
            "提交评分：\n\n{essays}\n\n"
            "请登录评审系统查看评审稿并填写评分表：{login_url}\n"
            "登录用户名：{username}\n\n"
            "作品均已匿名处理。如发现您与某篇作品存在利益关系，请在评审页申报回避。"
            + _SIGN_ZH,
        ),
        (
            "[Reminder] {competition}",
            'Dear {name},\n\n{count} essays of "{competition}" still await your '
            "scores:\n\n{essays}\n\nSign in: {login_url}\nUser name: {username}"
            + _SIGN_EN,
        ),
    ),
}

LANGUAGES = ("zh", "en")
STATUS_LABELS = {
    "queued": N_("排队发送"),
    "sent": N_("已发送邮件"),
    "failed": N_("发送失败"),
    "inbox": N_("仅站内消息"),
}


class TemplateProblem(ValueError):
    """A template names a placeholder its kind does not offer, or is malformed."""


def placeholders(text: str) -> list[str]:
    """The ``{names}`` used in `text`; raises TemplateProblem when malformed."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateProblem(
            N_("花括号不成对（如需显示花括号请写 {{ 或 }}）。")
        ) from exc
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise TemplateProblem(
                said(N_("占位符 %(name)s 的写法不被接受。"), name="{" + name + "}")
            )
        names.append(name)
    return names


def check_template(kind: str, subject: str, body: str) -> list[str]:
    """Problems (Chinese) that would stop `subject`/`body` being used for `kind`."""
    problems = []
    if not subject.strip() or not body.strip():
        problems.append(N_("主题和正文都不能为空。"))
    if len(subject) > 300 or len(body) > 20000:
        problems.append(N_("主题最多 300 字，正文最多 20000 字。"))
    for text in (subject, body):
        try:
            unknown = [n for n in placeholders(text) if n not in KINDS[kind].fields]
        except TemplateProblem as exc:
            problems.append(message_of(exc))
            continue
        if unknown:
            offered = "、".join("{" + f + "}" for f in KINDS[kind].fields)
            problems.append(
                said(
                    N_("未知的占位符：%(unknown)s（可用：%(offered)s）。"),
                    unknown="、".join(sorted(set(unknown))),
                    offered=offered,
                )
            )
    return problems


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each placeholder replaced (missing values become empty)."""
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(str(values.get(name, "")))
    return "".join(out)


def default(kind: str, language: str) -> tuple[str, str]:
    spec = KINDS[kind]
    return spec.en if language == "en" else spec.zh


def sample(kind: str) -> dict[str, str]:
    """Example values for the organiser's preview."""
    examples = {
        "competition": "示例征文活动",
        "unit": "示例单位",
        "title": "示例作品题目",
        "submitted_at": "2026-10-10 10:00",
        "receipt_url": "https://example.cn/receipt",
        "note": "请删去页眉中的单位名称。",
        "findings": "正文：单位名称“示例单位”",
        "until": "2026-10-20 18:00",
        "url": "https://example.cn/",
        "days": "3",
        "deadline": "2026-10-17 23:59",
        "submitted": "0",
        "minimum": "1",
        "maximum": "5",
        "measure": "篇",
        "closed_at": "2026-10-15 10:00",
        "starts": "2026-11-01",
        "ends": "2026-11-07",
        "results": "  示例作品题目：一等奖（证书编号 ABCD-EFGH）",
        "before": "二等奖",
        "after": "一等奖",
        "reason": "复核发现计分错误。",
        "serial": "ABCD-EFGH",
        "name": "张三",
        "decision": "异议成立",
        "reply": "经复核，已更正。",
        "count": "2",
        "essays": "  ZW-0001  示例作品题目\n  ZW-0002  另一篇作品",
        "login_url": "https://example.cn/login",
        "username": "judge01",
    }
    return {f: examples.get(f, f) for f in KINDS[kind].fields}
