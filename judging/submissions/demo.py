"""Demo essays: generated PDF and DOCX files with realistic Chinese text, some leaky."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from judging.accounts.models import Unit, User
from judging.competitions.models import Competition
from judging.extensions import db
from judging.submissions import service
from judging.submissions.models import Entry

TITLES = (
    "新时代产业工人队伍建设改革的理论逻辑与实践路径",
    "高校工会服务教职工技能提升的机制研究",
    "数字经济背景下产业工人技能形成体系研究",
    "劳模精神、劳动精神、工匠精神融入高校思政教育研究",
    "产教融合视域下高职院校培养高技能人才的路径探析",
    "重庆市制造业一线职工职业发展状况调查报告",
    "新就业形态劳动者权益保障的实践困境与对策",
    "工会参与产业工人队伍建设改革的作用机制研究",
    "以职业技能竞赛促进技能人才成长的调查研究",
    "高校后勤职工队伍建设现状与对策调研",
    "产业工人政治地位提升的制度保障研究",
    "技能人才评价制度改革的地方实践与启示",
    "校企合作培养“大国工匠”的模式创新研究",
    "青年产业工人思想状况调查与引导策略",
    "职工书屋建设与产业工人素质提升研究",
)
SENTENCES = (
    "产业工人是工人阶级的主体力量，是创造社会财富的中坚力量。",
    "推进产业工人队伍建设改革，是实施制造强国战略的重要支撑。",
    "本文在梳理相关政策文件的基础上，结合实地调研数据展开分析。",
    "调查共发放问卷一千二百份，回收有效问卷一千零八十六份。",
    "研究发现，技能提升的主要障碍在于培训供给与岗位需求不匹配。",
    "工会组织在职工技能培训、劳动竞赛和权益维护中发挥着独特作用。",
    "应当健全技能人才评价、使用和激励机制，畅通职业发展通道。",
    "产教融合、校企合作是培养高技能人才的有效途径。",
    "要注重师资队伍建设，推动“双师型”教师培养。",
    "这是党中央作出的重大部署，对于巩固党的执政基础具有重要意义。",
    "数字化转型对一线职工的知识结构和技能水平提出了新的要求。",
    "弘扬劳模精神、劳动精神、工匠精神，营造尊重劳动的社会氛围。",
    "最后，本文从制度、组织和文化三个层面提出了对策建议。",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
)
DEPARTMENTS = (
    "马克思主义学院",
    "经济管理学院",
    "教育学院",
    "工会",
    "人事处",
    "公共管理学院",
    "机械工程学院",
)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def essay_text(rng: random.Random, *, paragraphs: int = 8) -> list[str]:
    return [
        "".join(rng.choices(SENTENCES, k=rng.randint(4, 7))) for _ in range(paragraphs)
    ]


def essay_pdf(title: str, body: list[str], *, header: str = "") -> bytes:
    """A simple essay PDF made with reportlab and the vendored Chinese font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from judging.certificates.fonts import register_font
    from judging.escaping import paragraph_text

    font = register_font()
    out = io.BytesIO()

    def page(canvas, _doc) -> None:  # noqa: ANN001
        if header:
            canvas.setFont(font, 9)
            canvas.drawString(72, A4[1] - 40, header)

    doc = SimpleDocTemplate(out, pagesize=A4, title=title, author="")
    h = ParagraphStyle("h", fontName=font, fontSize=16, leading=24, alignment=1)
    p = ParagraphStyle(
        "p", fontName=font, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22
    )
    story = [Paragraph(paragraph_text(title), h), Spacer(1, 12)]
    story += [Paragraph(paragraph_text(t), p) for t in body]
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


def essay_docx(title: str, body: list[str], *, author: str = "") -> bytes:
    """A simple essay DOCX made with python-docx; `author` lands in its metadata."""
    from docx import Document

    document = Document()
    document.core_properties.author = author
    document.core_properties.last_modified_by = author
    document.add_heading(title, level=1)
    for text in body:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class DemoEssay:
    """A submitted demo essay; `clean` is the same file without its leak, as
    the organiser's redaction or the unit's re-submission would make it."""

    entry: Entry
    leaky: bool
    clean: bytes = b""
    filename: str = ""


def seed_entries(
    *,
    competition: Competition,
    units: int,
    now: datetime,
    seed: int,
    leak_every: int = 7,
) -> list[DemoEssay]:
    """Submit 1-5 generated essays for each of the first `units` units.

    Goes through the real submission service (as each unit's contact), so the
    entries get review copies and findings exactly as real ones do. Every
    `leak_every`-th essay names its unit in a header or its author in metadata.
    """
    rng = random.Random(seed)
    made: list[DemoEssay] = []
    contacts = db.session.execute(
        select(User, Unit)
        .join(Unit, Unit.id == User.unit_id)
        .order_by(Unit.id)
        .limit(units)
    ).all()
    n = 0
    for user, unit in contacts:
        if service.active_entries(competition.id, unit.id):
            continue
        for _ in range(rng.randint(1, competition.max_entries)):
            n += 1
            title = rng.choice(TITLES)
            authors = [person(rng) for _ in range(rng.randint(1, 3))]
            body = essay_text(rng)
            leaky = n % leak_every == 0
            if n % 2:
                data = essay_pdf(
                    title, body, header=f"{unit.name}  {authors[0]}" if leaky else ""
                )
                clean = essay_pdf(title, body) if leaky else data
                name = f"{title}.pdf"
            else:
                data = essay_docx(title, body)
                clean = data
                if leaky:  # the leak is in the file only, never in the form
                    data = essay_docx(title, [f"（作者单位：{unit.name}）", *body])
                name = f"{title}.docx"
            entry = service.create_entry(
                actor=user,
                competition=competition,
                data=service.EntryInput(
                    title=title,
                    category=rng.choice(("理论研究", "调研报告")),
                    authors=tuple(
                        service.AuthorInput(name=a, department=rng.choice(DEPARTMENTS))
                        for a in authors
                    ),
                    advisor=person(rng) if rng.random() < 0.3 else "",
                    abstract=body[0][:120],
                    keywords="产业工人；技能形成",
                ),
                upload=service.Upload(data=data, filename=name),
                now=now,
            )
            made.append(DemoEssay(entry, leaky, clean, name))
    return made


# --- the plan's two collections ---------------------------------------------------

SUMMARY_TITLES = (
    "{year}年度产业工人队伍建设改革工作总结",
    "{year}年度产改工作经验材料",
    "深化产改、建功新时代——{year}年度工作总结",
)
CASE_TITLES = (
    "以技能竞赛带动职工队伍素质提升",
    "“劳模工匠进校园”的实践与经验",
    "职工创新工作室建设典型经验",
    "推动产业工人职业发展通道建设的探索",
    "健全职工技能培训体系的做法与成效",
)


def demo_photo(label: str, seed: int) -> bytes:
    """A photo-like JPEG for the demo (a coloured scene with a caption bar)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), tuple(rng.randrange(60, 200) for _ in "rgb"))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(0, 700), rng.randrange(0, 500)
        colour = tuple(rng.randrange(0, 255) for _ in "rgb")
        draw.rectangle(
            (x, y, x + rng.randrange(40, 160), y + rng.randrange(40, 160)), fill=colour
        )
    draw.rectangle((0, 540, 800, 600), fill=(30, 30, 30))
    draw.text((20, 560), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def seed_collection(
    *,
    competition: Competition,
    unit_ids: list[int],
    titles: tuple[str, ...],
    now: datetime,
    seed: int,
    photos: bool = False,
) -> int:
    """Submit a collection's materials as each unit's contact, through the real
    service: 1 to the call's maximum per unit, each a document (and, for case
    reports, a photo or two). Returns how many entries were made."""
    rng = random.Random(seed)
    contacts = db.session.execute(
        select(User, Unit)
        .join(Unit, Unit.id == User.unit_id)
        .where(Unit.id.in_(unit_ids))
        .order_by(Unit.id)
    ).all()
    made = 0
    for user, unit in contacts:
        if service.active_entries(competition.id, unit.id):
            continue
        for i in range(rng.randint(1, competition.max_entries)):
            title = rng.choice(titles).format(year=now.year)
            body = essay_text(rng, paragraphs=5)
            extra = (
                [
                    service.Upload(
                        data=demo_photo(
                            f"{unit.short_name or unit.name} {n}", seed + made + n
                        ),
                        filename=f"活动照片{n}.jpg",
                    )
                    for n in range(1, rng.randint(1, 2) + 1)
                ]
                if photos
                else []
            )
            service.create_entry(
                actor=user,
                competition=competition,
                data=service.EntryInput(
                    title=title if i == 0 else f"{title}（之二）",
                    category="",
                    authors=(service.AuthorInput(name=person(rng)),),
                    abstract=body[0][:120],
                ),
                upload=service.Upload(
                    data=essay_docx(title, [f"{unit.name}", *body]),
                    filename=f"{unit.short_name or unit.name}-{title}.docx",
                ),
                attachments=extra,
                now=now,
            )
            made += 1
    return made
