"""The audit log's sentences: one per action, a fallback that never shows JSON."""

from __future__ import annotations

import pytest

from judging.audit.sentences import (
    ACTION_LABELS,
    TEMPLATES,
    EventFacts,
    describe,
    kind_of,
    parse_detail,
    render,
)

CASES = [
    (
        EventFacts(
            "competition.phase",
            "王芳",
            competition="2026 年征文",
            detail={"before": "finalised", "after": "published"},
        ),
        "王芳 将竞赛「2026 年征文」从 已定稿 改为 已公布",
    ),
    (
        EventFacts("login", "李明", object_type="user", object_id=3),
        "李明 登录了系统",
    ),
    (
        EventFacts("password.reset", "王芳", "user", 69, "unit_cqu"),
        "王芳 重置了账号 unit_cqu 的密码",
    ),
    (
        EventFacts(
            "extension.grant",
            "王芳",
            detail={
                "unit": "重庆大学",
                "until": "2026-10-17T16:00:00+00:00",
                "reason": "停电",
            },
        ),
        "王芳 将 重庆大学 的截止时间延长到 2026 年 10 月 17 日 24:00：停电",
    ),
    (
        EventFacts("submissions.close", "", competition="征文", detail={"entries": 3}),
        "系统 截止了竞赛「征文」的报送，为 3 篇作品编号",
    ),
    (
        EventFacts(
            "assignment.extra",
            "王芳",
            detail={"entry": "ZW2026-0001", "judges": [4, 7]},
        ),
        "王芳 为作品 ZW2026-0001 增派了 2 位评审专家",
    ),
    (
        EventFacts("certificates.issue", "王芳", detail={"created": 12}),
        "王芳 生成了 12 个证书编号",
    ),
    (
        # a field the template needs is missing: the fallback, with the label
        EventFacts("finding.harmless", "王芳", "finding", 5, detail={"note": "同名"}),
        "王芳 对 #5 执行了「匿名性问题标记无碍」",
    ),
    (
        # an unknown action: its key in the fallback, the JSON never
        EventFacts("weird.thing", "王芳", detail={"nested": {"a": 1}}),
        "王芳 执行了「weird.thing」",
    ),
    (
        EventFacts("competition.phase", "王芳", competition="征文", detail={}),
        "王芳 执行了「竞赛阶段变更」",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), CASES)
def test_describe_reads_as_a_sentence(facts, expected):
    assert render(describe(facts), str) == expected


def test_long_detail_text_is_cut_and_lists_are_counted():
    note = "很" * 200
    facts = EventFacts(
        "review.reopen", "王芳", detail={"reason": note, "assignment_id": 3}
    )

    text = render(describe(facts), str)

    assert text.startswith("王芳 退回了一份评分：很") and text.endswith("…")
    assert len(text) < 100


def test_every_template_has_a_label():
    assert sorted(set(TEMPLATES) - set(ACTION_LABELS)) == []


def test_render_translates_template_and_labels():
    facts = EventFacts(
        "competition.phase",
        "",
        competition="C",
        detail={"before": "open", "after": "closed"},
    )
    english = {
        "%(actor)s 将竞赛「%(competition)s」从 %(before)s 改为 %(after)s": (
            "%(actor)s moved “%(competition)s” from %(before)s to %(after)s"
        ),
        "系统": "System",
        "征集中": "open",
        "已截止": "closed",
    }

    text = render(describe(facts), lambda s: english.get(s, s))

    assert text == "System moved “C” from open to closed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [('{"a": 1}', {"a": 1}), ("", {}), ("not json", {}), ("[1, 2]", {})],
)
def test_parse_detail_never_raises(text, expected):
    assert parse_detail(text) == expected


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("login", "account"),
        ("password.reset", "account"),
        ("entry.create", "entry"),
        ("certificate.revoke", "results"),
        ("x.y", ""),
    ],
)
def test_kind_of(action, kind):
    assert kind_of(action) == kind


def test_a_moment_in_a_sentence_is_written_the_readers_way():
    """A deadline in an event's detail is written as the pages write a moment,
    in English for an English reader (the catalogue's own format)."""
    from pathlib import Path

    from babel.support import Translations

    catalogue = Path(__file__).parents[2] / "judging" / "translations"
    english = Translations.load(str(catalogue), ["en"]).gettext
    facts = EventFacts(
        "extension.grant",
        "王芳",
        detail={"unit": "重庆大学", "until": "2026-10-17T08:30:00", "reason": "停电"},
    )

    chinese = render(describe(facts), str)
    text = render(describe(facts), english)

    assert "2026 年 10 月 17 日 16:30" in chinese  # naive instants are UTC
    assert "17 Oct 2026, 16:30" in text and "年" not in text
