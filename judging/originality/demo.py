"""Demo 查重 cases: one essay sent by two universities, one sent again a year on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from judging.accounts.models import Unit, User
from judging.competitions.models import Competition
from judging.extensions import db
from judging.originality import service
from judging.submissions import service as submissions
from judging.submissions.demo import essay_docx
from judging.submissions.models import Entry

# Two essays in their own words (the generated demo essays share all their
# sentences, which the check rightly treats as boilerplate).
TWICE_TITLE = "“师带徒”机制在校办工厂技能传承中的实践与思考"
TWICE_BODY = [
    "校办工厂的老师傅平均年龄已超过五十岁，青年职工入职后往往要三到五年才能独立操作精密机床。",
    "我们在两个车间试行“一师两徒”结对，师傅按月填写带徒记录，徒弟每季度接受一次实操考核。",
    "试行一年后，青年职工独立上岗的平均时间缩短到十四个月，工件返修率下降了将近三成。",
    "结对中也暴露出问题：师傅的带徒津贴偏低，部分师傅担心“教会徒弟、饿死师傅”而有所保留。",
    "为此工会推动把带徒成效纳入职称评审和评优条件，并为每对师徒建立了技能成长档案。",
    "实践表明，技能传承既要靠制度激励，也要靠情感纽带，工会在其中能够发挥独特的桥梁作用。",
]
AGAIN_TITLE = "高校后勤职工“技能夜校”的三年探索"
AGAIN_BODY = [
    "三年前，学校后勤集团的水电、餐饮和物业职工中，持有中级以上职业资格证书的不到两成。",
    "工会联合继续教育学院开设“技能夜校”，每周二、周四晚上授课，课程由职工投票决定。",
    "夜校采用“理论半小时、实操一小时”的安排，实操课直接在学生食堂后厨和配电房进行。",
    "三年间共开班二十六期，七百余人次参加，一百三十二名职工取得了新的职业资格证书。",
    "夜校的经验在于贴近岗位、时间灵活、证书与岗位津贴挂钩，职工参与的积极性很高。",
    "下一步我们准备把夜校课程向周边中小学的后勤职工开放，让更多一线职工受益。",
]


def _free_contacts(competition: Competition, count: int) -> list[User]:
    """Contacts of the first ``count`` units without an entry in the
    competition (fewer when there are not enough)."""
    taken = select(Entry.unit_id).where(Entry.competition_id == competition.id)
    return list(
        db.session.scalars(
            select(User)
            .join(Unit, Unit.id == User.unit_id)
            .where(Unit.id.not_in(taken))
            .order_by(Unit.id)
            .limit(count)
        )
    )


def _submit(competition: Competition, contact: User, title: str, data: bytes, now):  # noqa: ANN001
    return submissions.create_entry(
        actor=contact,
        competition=competition,
        data=submissions.EntryInput(
            title=title,
            category="调研报告",
            authors=(submissions.AuthorInput(name="陈思远", department="工会"),),
            abstract="本文总结了工会推动职工技能提升的一项具体做法。",
            keywords="技能传承；工会",
        ),
        upload=submissions.Upload(data=data, filename=f"{title}.docx"),
        now=now,
    )


def _planted(competition: Competition, title: str) -> bool:
    return (
        db.session.scalar(
            select(Entry.id).where(
                Entry.competition_id == competition.id, Entry.title == title
            )
        )
        is not None
    )


def plant_last_year(*, competition: Competition, now: datetime) -> None:
    """Last year's competition holds the essay that comes back this year."""
    contacts = _free_contacts(competition, 1)
    if contacts and not _planted(competition, AGAIN_TITLE):
        data = essay_docx(AGAIN_TITLE, AGAIN_BODY)
        _submit(competition, contacts[0], AGAIN_TITLE, data, now)


def plant_this_year(*, competition: Competition, now: datetime) -> None:
    """Two universities send the same file; a third sends last year's essay again
    under a new title. Then the check runs, so the organiser finds the pairs."""
    contacts = _free_contacts(competition, 3)
    if _planted(competition, TWICE_TITLE) or len(contacts) < 3:
        return
    same = essay_docx(TWICE_TITLE, TWICE_BODY)
    _submit(competition, contacts[0], TWICE_TITLE, same, now)
    _submit(competition, contacts[1], TWICE_TITLE, same, now)
    title = "后勤职工技能提升的夜校模式研究"
    data = essay_docx(title, AGAIN_BODY)
    _submit(competition, contacts[2], title, data, now)
    service.check_competition(competition=competition, now=now)
