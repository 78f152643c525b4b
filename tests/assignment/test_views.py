"""The organiser's assignment pages, exports and e-mail (via a local SMTP server)."""

from __future__ import annotations

import email
import email.policy
import io
import re
import socket
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.assignment import service
from judging.assignment.models import Assignment, AssignmentStatus, Conflict
from judging.competitions.models import Competition
from judging.extensions import db
from judging.jobs import Job
from judging.messages.models import Message
from judging.review.models import ReviewStatus
from tests.assignment.conftest import World, add_review
from tests.conftest import csrf_token, login

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _organiser(app, w: World):  # noqa: ANN001
    client = app.test_client()
    login(client, w.organiser)
    return client


def _count_active() -> int:
    return db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.status == AssignmentStatus.ACTIVE
        )
    )


def _apply(w: World, seed: int = 3) -> None:
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=seed, now=NOW
    )
    db.session.commit()


def _identity_strings(w: World) -> list[str]:
    """Unit names, authors and advisors: never in anything a judge receives."""
    names = [s.name for s in w.units] + [s.short_name for s in w.units]
    for e in w.entries:
        names += e.author_names + [e.advisor]
    return names


def test_preview_shows_plan_and_writes_nothing(app, make_world):
    w = make_world()
    client = _organiser(app, w)

    response = client.get(f"/competitions/{w.competition.id}/assignment?k=3&seed=42")

    html = response.get_data(as_text=True)
    assert "方案预览" in html
    assert "随机种子 42" in html
    assert "<svg" in html and "style=" not in html
    assert 'name="seed" value="42"' in html
    assert _count_active() == 0


def test_apply_writes_the_previewed_plan(app, make_world):
    w = make_world()
    client = _organiser(app, w)
    url = f"/competitions/{w.competition.id}/assignment"
    preview = service.preview_plan(competition=w.competition, k=3, seed=42)

    response = client.post(
        f"{url}/apply",
        data={
            "k": 3,
            "seed": 42,
            "csrf_token": csrf_token(client, f"{url}?seed=42&k=3"),
        },
        follow_redirects=True,
    )

    pairs = set(
        db.session.execute(select(Assignment.entry_id, Assignment.judge_id)).all()
    )
    assert "已写入 36 条分配（随机种子 42）。" in response.get_data(as_text=True)
    assert pairs == set(preview.plan.pairs)
    assert db.session.get(Competition, w.competition.id).assignment_seed == 42


def test_infeasible_plan_lists_reasons_and_writes_nothing(app, make_world):
    w = make_world(units=2, per_unit=2, outside=0)
    client = _organiser(app, w)

    response = client.get(f"/competitions/{w.competition.id}/assignment?k=3&seed=1")

    html = response.get_data(as_text=True)
    assert "无法生成满足规则的方案" in html
    assert re.search(r'<ul class="reasons"><li>作品', html)
    assert _count_active() == 0


def test_swap_to_conflicting_judge_refused_with_message(app, make_world):
    w = make_world()
    _apply(w)
    entry = w.entries[0]
    assignment = service.entry_assignments(entry)[0]
    client = _organiser(app, w)
    page = f"/entries/{entry.id}/judges"

    response = client.post(
        f"/assignments/{assignment.id}/swap",
        data={"judge_id": w.judges[0].id, "csrf_token": csrf_token(client, page)},
        follow_redirects=True,
    )

    assert "不能评审作品 ZW-0001：评审专家与作品来自同一单位。" in response.get_data(
        as_text=True
    )
    assert db.session.get(Assignment, assignment.id).status == AssignmentStatus.ACTIVE


def test_conflict_added_on_page_is_recorded(app, make_world):
    w = make_world()
    client = _organiser(app, w)
    page = f"/competitions/{w.competition.id}/conflicts"

    response = client.post(
        page,
        data={
            "judge_id": w.judges[-1].id,
            "unit_id": w.units[0].id,
            "entry_id": 0,
            "reason": "曾任该校兼职教授",
            "csrf_token": csrf_token(client, page),
        },
        follow_redirects=True,
    )

    conflict = db.session.scalar(select(Conflict))
    assert "回避关系已登记。" in response.get_data(as_text=True)
    assert (conflict.judge_id, conflict.unit_id, conflict.reason) == (
        w.judges[-1].id,
        w.units[0].id,
        "曾任该校兼职教授",
    )


def test_progress_page_counts_per_judge(app, make_world):
    w = make_world()
    _apply(w)
    judge = w.judges[-1]
    mine = db.session.scalars(
        select(Assignment).where(Assignment.judge_id == judge.id)
    ).all()
    add_review(mine[0], ReviewStatus.SUBMITTED, "80")
    add_review(mine[1], ReviewStatus.DRAFT)
    db.session.commit()
    client = _organiser(app, w)

    html = client.get(f"/competitions/{w.competition.id}/progress").get_data(
        as_text=True
    )

    row = re.search(rf"<td>{judge.name}</td>(.*?)</tr>", html, re.S).group(1)
    numbers = re.findall(r'<td class="num">(\d+)</td>', row)
    assert numbers == [str(len(mine)), "1", "1"]
    assert f'<progress value="1" max="{len(mine)}">' in row
    assert '<progress value="1" max="36">' in html


def test_reminder_list_xlsx_lists_unfinished_judges(app, make_world):
    w = make_world()
    _apply(w)
    judge = w.judges[-1]
    judge.phone, judge.email = "=13800000000", "judge@example.cn"
    mine = db.session.scalars(
        select(Assignment).where(Assignment.judge_id == judge.id)
    ).all()
    add_review(mine[0], ReviewStatus.SUBMITTED, "80")
    db.session.commit()
    client = _organiser(app, w)

    response = client.get(f"/competitions/{w.competition.id}/reminders.xlsx")

    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert response.headers["Cache-Control"] == "no-store"
    assert rows[0] == ("姓名", "电话", "邮箱", "未完成篇数", "已分配", "已提交")
    assert (judge.name, "'=13800000000", "judge@example.cn", len(mine) - 1) in [
        r[:4] for r in rows[1:]
    ]
    assert len(rows) == 1 + len(w.judges)


def test_notices_without_smtp_are_listed_and_anonymous(app, make_world):
    w = make_world()
    _apply(w)
    client = _organiser(app, w)

    html = client.get(f"/competitions/{w.competition.id}/notices").get_data(
        as_text=True
    )

    assert "未配置邮件服务器" in html
    assert html.count('<section class="card notice">') == len(w.judges)
    assert "ZW-0001" in html
    bodies = "".join(re.findall(r'<pre class="notice-body">(.*?)</pre>', html, re.S))
    assert [name for name in _identity_strings(w) if name in bodies] == []


def test_notices_sent_by_smtp_name_codes_not_identities(app, make_world, smtp_server):
    w = make_world()
    _apply(w)
    for i, judge in enumerate(w.judges):
        judge.email = f"judge{i}@example.cn"
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    client = _organiser(app, w)
    page = f"/competitions/{w.competition.id}/notices"

    response = client.post(
        f"{page}/send",
        data={"kind": "assignment", "csrf_token": csrf_token(client, page)},
        follow_redirects=True,
    )

    assert f"已发送 {len(w.judges)} 封邮件。" in response.get_data(as_text=True)
    assert len(smtp_server.messages) == len(w.judges)
    sent_by = db.session.execute(select(Job.name, Job.state, Job.owner_id)).all()
    assert sent_by == [("messages.send", "done", None)]
    outbox = db.session.execute(select(Message.kind, Message.status)).all()
    assert outbox == [("judge_assignment", "sent")] * len(w.judges)
    stored = " ".join(
        m.subject + m.body for m in db.session.scalars(select(Message))
    )
    assert [name for name in _identity_strings(w) if name in stored] == []
    recipients, raw = smtp_server.messages[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_content()
    judge = next(j for j in w.judges if j.email == recipients[0])
    codes = sorted(
        a.entry.code
        for a in db.session.scalars(
            select(Assignment).where(Assignment.judge_id == judge.id)
        )
    )
    assert message["Subject"] == f"【评审任务通知】{w.competition.title}"
    assert f"请您评审以下 {len(codes)} 篇作品" in body
    assert re.findall(r"ZW-\d{4}", body) == codes
    assert "http://localhost/login" in body
    assert [name for name in _identity_strings(w) if name in body] == []


def test_unreachable_mail_server_fails_the_job_not_the_request(app, make_world):
    w = make_world()
    _apply(w)
    w.judges[0].email = "judge0@example.cn"
    db.session.commit()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed)
    client = _organiser(app, w)
    page = f"/competitions/{w.competition.id}/notices"

    response = client.post(
        f"{page}/send",
        data={"kind": "assignment", "csrf_token": csrf_token(client, page)},
        follow_redirects=True,
    )

    job = db.session.scalar(select(Job))
    assert response.status_code == 200
    assert "邮件服务器 127.0.0.1 发送失败" in response.get_data(as_text=True)
    assert (job.name, job.state) == ("messages.send", "failed")
    statuses = db.session.scalars(select(Message.status).order_by(Message.id)).all()
    assert sorted(statuses) == ["failed"] + ["inbox"] * (len(w.judges) - 1)


def test_disagreement_page_adds_arbitration_judge(app, make_world):
    w = make_world()
    _apply(w)
    entry = w.entries[0]
    for a, total in zip(
        service.entry_assignments(entry), ("95", "60", "70"), strict=True
    ):
        add_review(a, ReviewStatus.SUBMITTED, total)
    db.session.commit()
    client = _organiser(app, w)
    page = f"/competitions/{w.competition.id}/disagreements"
    html = client.get(page).get_data(as_text=True)
    assert "ZW-0001" in html and "60.00、70.00、95.00" in html

    response = client.post(
        f"/entries/{entry.id}/arbitration",
        data={"csrf_token": csrf_token(client, page)},
        follow_redirects=True,
    )

    arbitration = db.session.scalar(
        select(Assignment).where(Assignment.kind == "arbitration")
    )
    assert "已为作品 ZW-0001 增加仲裁评审专家" in response.get_data(as_text=True)
    assert arbitration.entry_id == entry.id
    assert service.conflict_for(arbitration.judge, entry) is None
    assert "已有 1 位仲裁专家" in client.get(page).get_data(as_text=True)


def test_judge_cannot_open_assignment_pages(app, make_world, make_user):
    w = make_world()
    client = app.test_client()
    login(client, make_user(Role.JUDGE))

    response = client.get(f"/competitions/{w.competition.id}/assignment")

    assert response.status_code == 404


def test_judge_dashboard_after_assignment_shows_codes_not_identities(app, make_world):
    from judging.competitions.service import advance_phase

    w = make_world()
    _apply(w)
    advance_phase(actor=w.organiser, competition=w.competition, target="reviewing")
    judge = w.judges[-1]
    client = app.test_client()
    login(client, judge.user)

    html = client.get("/judge").get_data(as_text=True)

    codes = [
        a.entry.code
        for a in db.session.scalars(
            select(Assignment).where(Assignment.judge_id == judge.id)
        )
    ]
    assert [c for c in codes if c not in html] == []
    assert [name for name in _identity_strings(w) if name in html] == []


def test_remind_selected_judges_only(app, make_world, smtp_server):
    w = make_world()
    _apply(w)
    for i, judge in enumerate(w.judges):
        judge.email = f"judge{i}@example.cn"
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    client = _organiser(app, w)
    chosen = [w.judges[0].id, w.judges[2].id]
    progress = client.get(f"/competitions/{w.competition.id}/progress")
    query = "&".join(f"judge={j}" for j in chosen)
    page = f"/competitions/{w.competition.id}/notices?kind=reminder&{query}"

    preview = client.get(page).get_data(as_text=True)
    response = client.post(
        f"/competitions/{w.competition.id}/notices/send",
        data={
            "kind": "reminder",
            "judge": chosen,
            "csrf_token": csrf_token(client, page),
        },
        follow_redirects=True,
    )

    assert 'form="remind-selected"' in progress.get_data(as_text=True)
    assert preview.count('<section class="card notice">') == 2
    assert "已发送 2 封邮件。" in response.get_data(as_text=True)
    assert sorted(r[0][0] for r in smtp_server.messages) == [
        "judge0@example.cn",
        "judge2@example.cn",
    ]


def _current_codes(html: str) -> list[str]:
    """The codes of the current-assignment table, in the order shown."""
    table = html.split('id="current"', 1)[1]
    return re.findall(r"<tr>\s*<td>(ZW-\d{4})</td>", table)


def test_current_assignment_is_searched_filtered_and_sorted_on_the_server(
    app, make_world
):
    w = make_world()
    _apply(w)
    short = w.entries[4]
    gone = db.session.scalars(
        select(Assignment).where(Assignment.entry_id == short.id)
    ).first()
    gone.status = AssignmentStatus.RECUSED
    db.session.commit()
    client = _organiser(app, w)
    url = f"/competitions/{w.competition.id}/assignment"

    everything = _current_codes(client.get(url).get_data(as_text=True))
    found = _current_codes(client.get(f"{url}?q=zw-0007").get_data(as_text=True))
    filtered = client.get(f"{url}?staff=short").get_data(as_text=True)
    by_judges = _current_codes(client.get(f"{url}?sort=judges").get_data(as_text=True))
    newest = _current_codes(client.get(f"{url}?sort=-code").get_data(as_text=True))

    assert everything == [e.code for e in w.entries]
    assert found == ["ZW-0007"]
    assert _current_codes(filtered) == [short.code]
    assert "共 1 条" in filtered
    assert by_judges[0] == short.code
    assert newest == [e.code for e in reversed(w.entries)]


def test_conflict_with_one_entry_is_named_by_its_code(app, make_world):
    w = make_world()
    client = _organiser(app, w)
    page = f"/competitions/{w.competition.id}/conflicts"
    entry = w.entries[2]

    def post(code: str) -> str:
        return client.post(
            page,
            data={
                "judge_id": w.judges[-1].id,
                "unit_id": 0,
                "entry": code,
                "reason": "亲属",
                "csrf_token": csrf_token(client, page),
            },
            follow_redirects=True,
        ).get_data(as_text=True)

    unknown = post("ZW-9999")
    assert "本次征文没有编号为“ZW-9999”的已报送作品" in unknown
    assert db.session.scalar(select(func.count(Conflict.id))) == 0

    recorded = post(f"  {entry.code.lower()} ")
    conflict = db.session.scalar(select(Conflict))
    assert "回避关系已登记。" in recorded
    assert (conflict.entry_id, conflict.unit_id) == (entry.id, None)
    assert f"{entry.code} {entry.title}" in recorded


def test_notices_are_shown_a_page_at_a_time_and_all_are_counted(
    app, make_world, monkeypatch
):
    from judging.assignment import views

    monkeypatch.setattr(views, "NOTICES_PER_PAGE", 3)
    w = make_world()
    _apply(w)
    client = _organiser(app, w)
    url = f"/competitions/{w.competition.id}/notices"
    judges = sorted(
        {a.judge for a in db.session.scalars(select(Assignment))},
        key=lambda j: (j.name, j.id),
    )

    first = client.get(url).get_data(as_text=True)
    last = client.get(f"{url}?page=99")

    assert first.count('class="card notice"') == 3
    assert f"共 {len(judges)} 条" in first
    assert [j.name for j in judges[:3]] == re.findall(r"<h2>(.+?) &lt;", first)
    assert last.status_code == 302 and "page=" in last.headers["Location"]
    end = client.get(last.headers["Location"]).get_data(as_text=True)
    assert re.findall(r"<h2>(.+?) &lt;", end) == [
        j.name for j in judges[(len(judges) - 1) // 3 * 3 :]
    ]
