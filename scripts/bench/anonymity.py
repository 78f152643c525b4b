#!/usr/bin/env python3
"""Red-team the anonymity path: upload → review copy → what a judge receives.

Usage: python scripts/bench/anonymity.py [--corpus tests/fixtures/anonymity]
[--smoke] [--verbose]

Every document of the corpus (its ``manifest.json``: Chromium PDFs, LibreOffice
DOCX, hand-edited packages, entry-form leaks, clean traps) is submitted by the
contact of 重庆大学 through the real submission service (file checks, review
copy, scanner, entry fields), in a temporary instance with the shipped unit
list and identities. Then, per document, what a judge would receive is read:
the entry's title, abstract and keywords and the stored review copy, unpacked
(every DOCX part, PDF text and raw bytes). A planted leak is

- *reported* when the entry has an open high (or manual) finding, so it cannot
  go to judges until someone settles it;
- *absent* when none of its planted strings is in what the judge receives;
- *unreported and reaching the judge* otherwise (the number that must be 0).

A trap with a high finding is a false alarm. Prints a Markdown table, then the
cases that failed. ``--smoke``: four leaks and two traps.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "anonymity"
DEFAULT_FIELDS = {
    "title": "产业工人队伍建设改革研究",
    "abstract": "本文研究产业工人队伍建设改革的实践路径。",
    "keywords": "产业工人；技能形成",
}


def received_text(copy: bytes, kind: str, fields: dict[str, str]) -> str:
    """Everything of an entry a judge gets: the form fields and the copy."""
    from pypdf import PdfReader

    found = list(fields.values())
    if kind == "docx":
        with zipfile.ZipFile(io.BytesIO(copy)) as archive:
            found += [
                archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
            ]
    else:
        found.append(copy.decode("latin-1"))
        reader = PdfReader(io.BytesIO(copy))
        found += [page.extract_text() or "" for page in reader.pages]
        found.append(repr(dict(reader.metadata or {})))
    return "\n".join(found)


def _squash(text: str) -> str:
    return "".join(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--smoke", action="store_true", help="4 leaks and 2 traps")
    parser.add_argument("--verbose", action="store_true", help="one line per case")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    cases = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    if args.smoke:
        leaks = [c for c in cases if c["kind"] == "leak"][:4]
        cases = leaks + [c for c in cases if c["kind"] == "trap"][:2]
    with tempfile.TemporaryDirectory(prefix="bench-anonymity-") as tmp:
        os.environ["JUDGING_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        run(corpus, cases, verbose=args.verbose)


def run(corpus: Path, cases: list[dict], *, verbose: bool) -> None:
    from sqlalchemy import select

    from judging import create_app
    from judging.accounts import service as accounts
    from judging.accounts.models import Role, Unit, User
    from judging.anonymity.models import Finding, FindingStatus
    from judging.cli import init_database
    from judging.competitions import service as competitions
    from judging.competitions.models import Phase
    from judging.competitions.rules import default_settings
    from judging.dbtypes import utcnow
    from judging.demo import IDENTITIES_CSV, UNITS_CSV
    from judging.extensions import db
    from judging.submissions import service as submissions
    from judging.submissions.files import load_file

    app = create_app()
    with app.app_context():
        init_database()
        admin = accounts.create_organiser(
            username="admin", password="anonymity-bench-2026!"
        )
        for path in (UNITS_CSV, IDENTITIES_CSV):
            accounts.import_units(
                actor=admin, data=path.read_bytes(), filename=path.name
            )
        unit = db.session.scalar(select(Unit).where(Unit.name == "重庆大学"))
        contact = db.session.scalar(
            select(User).where(User.unit_id == unit.id, User.role == Role.UNIT)
        )
        today = date.today()
        competition = competitions.create_competition(
            actor=admin,
            settings=default_settings(
                title="匿名性红队测试",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=10),
                max_entries=len(cases),
            ),
            extras=competitions.Extras(code_prefix="RT"),
        )
        competitions.advance_phase(
            actor=admin, competition=competition, target=Phase.OPEN
        )
        db.session.commit()
        rows = []
        started = time.perf_counter()
        for case in cases:
            fields = {**DEFAULT_FIELDS, **case.get("fields", {})}
            entry = submissions.create_entry(
                actor=contact,
                competition=competition,
                data=submissions.EntryInput(
                    title=fields["title"],
                    category="理论研究",
                    authors=(submissions.AuthorInput(name="张晓明", department=""),),
                    advisor="李华",
                    abstract=fields["abstract"],
                    keywords=fields["keywords"],
                ),
                upload=submissions.Upload(
                    data=(corpus / case["file"]).read_bytes(), filename=case["file"]
                ),
                now=utcnow(),
            )
            db.session.commit()
            findings = db.session.scalars(
                select(Finding).where(
                    Finding.entry_id == entry.id, Finding.status == FindingStatus.OPEN
                )
            ).all()
            reported = any(f.severity in ("high", "manual") for f in findings)
            text = received_text(
                load_file(entry.review_file), entry.review_file.kind, fields
            )
            present = any(
                p in text or _squash(p) in _squash(text) for p in case["planted"]
            )
            seen = [
                SimpleNamespace(
                    severity=f.severity, kind=f.kind, location=f.location, term=f.term
                )
                for f in findings
            ]
            rows.append((case, reported, present, seen))
        seconds = time.perf_counter() - started
    report(rows, seconds, verbose=verbose)


def report(rows: list[tuple], seconds: float, *, verbose: bool) -> None:
    leaks = [r for r in rows if r[0]["kind"] == "leak"]
    traps = [r for r in rows if r[0]["kind"] == "trap"]
    reported = sum(1 for r in leaks if r[1])
    absent = sum(1 for r in leaks if not r[1] and not r[2])
    reaching = [r for r in leaks if not r[1] and r[2]]
    false_alarms = [r for r in traps if any(f.severity == "high" for f in r[3])]
    header = (
        "文档", "泄露", "报告为严重（召回）", "未报告但评审稿中不存在",
        "未报告且送达评审", "陷阱", "陷阱误报（严重）", "耗时 (s)",
    )  # fmt: skip
    share = f"{reported / max(1, len(leaks)):.0%}"
    cells = (
        len(rows), len(leaks), f"{reported} ({share})", absent, len(reaching),
        len(traps), len(false_alarms), f"{seconds:.1f}",
    )  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + " ---: |" * len(header))
    print("| " + " | ".join(map(str, cells)) + " |")
    for case, rep, present, findings in rows:
        high = any(f.severity == "high" for f in findings)
        bad = (case["kind"] == "leak" and not rep and present) or (
            case["kind"] == "trap" and high
        )
        if bad or verbose:
            terms = ", ".join(
                f"{f.severity}:{f.kind}@{f.location}:{f.term}" for f in findings
            )
            state = "reported" if rep else ("absent" if not present else "REACHES")
            where = f"{case['name']} [{case['place']}] {case['kind']}"
            print(f"{'✗' if bad else '·'} {where} {state} {terms}")


if __name__ == "__main__":
    main()
