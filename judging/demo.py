"""Demo data: the Chongqing universities, 20 judges and a competition per stage."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from judging.accounts import service as accounts
from judging.accounts.models import Role, User
from judging.assignment.demo import build_reviewing
from judging.certificates.demo import issue
from judging.competitions import service as competitions
from judging.competitions.eligibility import PILOT_GROUP, UNIVERSITY_KINDS, Rule
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import default_settings
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.originality.demo import plant_this_year
from judging.results.demo import build_published
from judging.review.demo import add_reviews
from judging.submissions.demo import seed_entries

DATA = Path(__file__).parent / "data"
UNITS_CSV = DATA / "universities-chongqing.csv"
IDENTITIES_CSV = DATA / "universities-chongqing-identities.csv"
OTHER_UNITS_CSV = DATA / "units-chongqing-sample.csv"  # hospitals, institutes …
PILOTS_CSV = DATA / "units-chongqing-pilots.csv"  # 试点单位 of the reform
ESSAY_TITLE = "“理论强基促发展 我为产改作贡献”主题征文"

# (name, title, affiliation, expertise): some from listed units, some outside.
DEMO_JUDGES = (
    ("王建国", "教授", "重庆大学", "劳动关系|产业工人"),
    ("李秀英", "教授", "西南大学", "马克思主义理论|思想政治教育"),
    ("张志强", "副教授", "重庆医科大学", "公共卫生|职业健康"),
    ("刘海燕", "教授", "重庆邮电大学", "数字经济|技能形成"),
    ("陈立新", "研究员", "重庆交通大学", "交通运输|工匠精神"),
    ("杨光明", "教授", "重庆师范大学", "教育学|职业教育"),
    ("赵文静", "副教授", "重庆工商大学", "劳动经济学|收入分配"),
    ("黄振华", "教授", "西南政法大学", "劳动法|工会法"),
    ("周晓梅", "教授", "四川外国语大学", "社会学|调查研究"),
    ("吴永红", "副教授", "重庆理工大学", "人力资源管理|技能人才"),
    ("徐春林", "教授", "长江师范学院", "教育管理"),
    ("孙丽华", "副教授", "重庆工业职业技术学院", "职业教育|产教融合"),
    ("胡德明", "研究员", "重庆社会科学院", "产业政策|区域经济"),
    ("朱红梅", "研究员", "中共重庆市委党校", "党的建设|工会工作"),
    ("高建华", "高级经济师", "重庆市总工会", "工会工作|产业工人队伍建设改革"),
    ("林少华", "正高级政工师", "重庆市教育委员会", "教育政策"),
    ("何静", "研究员", "重庆市人力资源和社会保障局", "就业政策|技能评价"),
    ("郭伟", "教授级高工", "重庆长安汽车股份有限公司", "制造业|技能人才"),
    ("马晓东", "编审", "重庆日报社", "写作规范|新闻传播"),
    ("罗明", "研究员", "重庆市教科文卫体工会", "工会理论|劳动竞赛"),
)


def judges_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "title", "affiliation", "expertise"])
    writer.writerows(DEMO_JUDGES)
    return out.getvalue().encode()


DEMO_STAGES = 6


def demo_state() -> str:
    """ "empty" (no accounts), "demo" (only what the demo builds) or "other".

    The demo's known password must never land in a database with real users:
    an organiser other than the demo's ``admin``, or accounts without the
    demo's competition, mean real data.
    """
    if db.session.scalar(select(func.count()).select_from(User)) == 0:
        return "empty"
    organisers = db.session.scalars(
        select(User.username).where(User.role == Role.ORGANISER)
    ).all()
    built = db.session.scalar(
        select(Competition.id).where(Competition.title == ESSAY_TITLE)
    )
    return "demo" if built is not None and set(organisers) <= {"admin"} else "other"


def set_demo_password(password: str) -> int:
    """Give every account of a demo database `password`; return how many."""
    hashed = accounts.hash_password(password)
    users = db.session.scalars(select(User)).all()
    for user in users:
        user.password_hash = hashed
    db.session.flush()
    return len(users)


def build_demo(
    *,
    password: str,
    today: date,
    progress: Callable[[str], None] | None = None,
    reviewing_only: bool = False,
) -> list[str]:
    """Create the demo data if missing; running it again keeps what exists.

    Three competitions show every stage: this year's essay competition open for
    submissions (with essays from 24 units), a survey competition in review
    (assigned, with reviews done and a disagreement), and last year's essay
    competition published with certificates.

    Returns lines telling how to log in as each role. ``reviewing_only`` builds
    the people and the competition in review only (a quarter of the time: what
    `scripts/screenshots.py --smoke` needs).
    """
    step = progress or (lambda _label: None)
    shared = (password, accounts.hash_password(password))
    if db.session.scalar(select(User).where(User.username == "admin")) is None:
        admin = accounts.create_organiser(
            username="admin",
            password=password,
            display_name="产业工会管理员",
            demo=True,
        )
    else:
        admin = db.session.scalar(select(User).where(User.username == "admin"))
    units = accounts.import_units(
        actor=admin,
        data=UNITS_CSV.read_bytes(),
        filename=UNITS_CSV.name,
        shared=shared,
    )
    identities = accounts.import_units(  # English names, abbreviations, domains
        actor=admin,
        data=IDENTITIES_CSV.read_bytes(),
        filename=IDENTITIES_CSV.name,
        shared=shared,
    )
    others = accounts.import_units(
        actor=admin,
        data=OTHER_UNITS_CSV.read_bytes(),
        filename=OTHER_UNITS_CSV.name,
        shared=shared,
    )
    pilots = accounts.import_units(  # only the is_pilot column: flags the units
        actor=admin,
        data=PILOTS_CSV.read_bytes(),
        filename=PILOTS_CSV.name,
        shared=shared,
    )
    units.errors.extend(identities.errors + others.errors + pilots.errors)
    judges = accounts.import_judges(
        actor=admin, data=judges_csv(), filename="judges.csv", shared=shared
    )
    step("单位与评审专家")
    problems = [str(e) for e in units.errors + judges.errors]
    if problems:
        raise RuntimeError("; ".join(problems))
    if (
        not reviewing_only
        and db.session.scalar(
            select(Competition).where(Competition.title == ESSAY_TITLE)
        )
        is None
    ):
        settings = default_settings(
            title=ESSAY_TITLE,
            opens_on=today - timedelta(days=10),
            closes_on=today + timedelta(days=30),
        )
        essay = competitions.create_competition(
            actor=admin,
            settings=settings,
            extras=competitions.Extras(
                theme="围绕产业工人队伍建设改革开展理论研究与调查研究。",
                code_prefix=f"ZW{today.year}",
                issuer="重庆市教科文卫体工会",
                issued_on=today.replace(day=1),
            ),
        )
        competitions.set_eligibility(
            actor=admin,
            competition=essay,
            rule=Rule("kinds", kinds=frozenset(UNIVERSITY_KINDS)),
        )
        competitions.advance_phase(actor=admin, competition=essay, target=Phase.OPEN)
        db.session.flush()
        seed_entries(competition=essay, units=24, now=utcnow(), seed=2027)
    db.session.flush()
    step("征集中的征文与报送作品")
    reviewing = build_reviewing(admin=admin, today=today)
    step("评审中的专题调研")
    add_reviews(competition=reviewing, seed=2026)
    step("评分")
    if reviewing_only:
        return [f"主办方管理员: admin / {password}"]
    published = build_published(admin=admin, today=today)
    issue(competition=published)
    db.session.flush()
    essay = db.session.scalar(
        select(Competition).where(Competition.title == ESSAY_TITLE)
    )
    plant_this_year(competition=essay, now=utcnow())
    db.session.flush()
    step("已公布的上年征文与证书")
    for built in (reviewing, published):
        if built.eligibility_mode == "all":  # they were university competitions
            built.eligibility_mode = "kinds"
            built.eligibility_kinds = "|".join(UNIVERSITY_KINDS)
    build_collections(admin=admin, today=today)
    step("年度工作总结与典型经验材料")
    unit_count = units.created + units.unchanged + units.updated
    return [
        f"主办方管理员: admin / {password}",
        f"单位联络员: unit01 … unit{unit_count:02d} / {password}（unit01 = 重庆大学）",
        f"评审专家: judge01 … judge{len(DEMO_JUDGES):02d} / {password}",
        f"角色: {Role.ORGANISER}, {Role.UNIT}, {Role.JUDGE}",
        f"其他单位: unit{unit_count + 1:02d} … unit{unit_count + others.created:02d}"
        f"（医院、科研院所、文化、体育单位和中学）/ {password}",
        "竞赛: 本年征文（征集中，27 校已报送，含两对查重结果）、专题调研（评审中）、"
        "上年征文（已公布，分类评奖，含优秀组织奖与证书）",
        f"材料征集: {SUMMARY_TITLE}（各单位，截止 11 月 1 日）、"
        f"{CASES_TITLE}（试点单位 1–2 篇，截止 11 月 3 日）",
    ]


SUMMARY_TITLE = "年度产改工作总结或经验材料"
CASES_TITLE = "产改典型经验材料（试点单位）"


def _collection_year(today: date) -> int:
    """The autumn the plan's collections belong to: this year's from 1 September."""
    return today.year if today >= date(today.year, 9, 1) else today.year - 1


def build_collections(*, admin: User, today: date) -> None:
    """The plan's two collections beside the essays: every unit's annual
    summary (due 1 November) and 1–2 case reports with photos from each pilot
    unit (due 3 November), with this year's dates. When the deadline has
    passed, the materials are dated two days before it and the call is closed."""
    from judging.submissions.demo import CASE_TITLES, SUMMARY_TITLES, seed_collection

    year = _collection_year(today)
    specs = (
        (SUMMARY_TITLE, date(year, 11, 1), 1, Rule(), SUMMARY_TITLES, False),
        (CASES_TITLE, date(year, 11, 3), 2, Rule("group", group=PILOT_GROUP),
         CASE_TITLES, True),
    )  # fmt: skip
    for title, due, most, rule, titles, photos in specs:
        if db.session.scalar(select(Competition).where(Competition.title == title)):
            continue
        settings = default_settings(
            title=title,
            opens_on=date(year, 9, 1),
            closes_on=due,
            kind="collection",
            categories=(),
            people="responsible",
            min_entries=1,
            max_entries=most,
            attachment_kinds=frozenset({"photo", "video"} if photos else set()),
            max_attachments=6 if photos else 0,
            criteria=(),
            tiers=(),
        )
        call = competitions.create_competition(
            actor=admin,
            settings=settings,
            extras=competitions.Extras(code_prefix="CL"),
        )
        competitions.set_eligibility(actor=admin, competition=call, rule=rule)
        competitions.advance_phase(actor=admin, competition=call, target=Phase.OPEN)
        now = min(utcnow(), call.closes_at - timedelta(days=2))
        eligible = competitions.eligible_unit_ids(call)
        # most units report; a few are left 未报送 for the reminders page
        chosen = [u for i, u in enumerate(eligible) if i % 5 != 4]
        seed_collection(
            competition=call,
            unit_ids=chosen,
            titles=titles,
            now=now,
            seed=year + most,
            photos=photos,
        )
        if utcnow() >= call.closes_at:
            competitions.advance_phase(
                actor=admin, competition=call, target=Phase.CLOSED
            )
        db.session.flush()
