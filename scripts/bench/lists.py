#!/usr/bin/env python3
"""The organiser's long lists at several sizes: statements and time per request.

Builds a competition in a temporary SQLite database with N entries from N/3
units, N/2 judges, two findings per entry and N audit events, logs in as the
organiser and GETs each list with a search, a sort and a later page:

    python scripts/bench/lists.py [--sizes 500 5000] [--requests 5]

Prints, per size and page, the SQL statements per request and the best and
median milliseconds (other jobs share the machine). The statement count must
be the same at every size (tests/test_listing.py holds it).
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench-lists-2026"


def build(n: int, instance: Path):  # noqa: ANN201
    from judging import create_app
    from judging.accounts.models import Judge, Role, Unit, User
    from judging.accounts.service import create_organiser, hash_password
    from judging.anonymity.models import Finding
    from judging.audit.models import AuditEvent
    from judging.cli import init_database
    from judging.competitions import service as competitions
    from judging.competitions.models import Phase
    from judging.competitions.rules import default_settings
    from judging.extensions import db
    from judging.submissions.models import Author, Entry, StoredFile

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        init_database()
        organiser = create_organiser(username="chief", password=PASSWORD)
        today = date.today()
        c = competitions.create_competition(
            actor=organiser,
            settings=default_settings(
                title="压测征文",
                opens_on=today - timedelta(days=20),
                closes_on=today - timedelta(days=1),
                max_entries=5,
            ),
            extras=competitions.Extras(code_prefix="ZW2026"),
        )
        c.phase = Phase.CLOSED
        stored = StoredFile(sha256="0" * 64, size=1, kind="pdf")
        db.session.add(stored)
        units = [Unit(name=f"测试单位{i:05d}", kind="高校") for i in range(n // 3 + 1)]
        db.session.add_all(units)
        db.session.flush()
        hashed = hash_password(PASSWORD)
        for i in range(n // 2 + 1):
            user = User(username=f"judge{i:05d}", password_hash=hashed, role=Role.JUDGE)
            db.session.add(user)
            db.session.flush()
            db.session.add(Judge(user_id=user.id, name=f"专家{i:05d}"))
        for i in range(n):
            unit = units[i % len(units)]
            entry = Entry(
                competition_id=c.id,
                unit_id=unit.id,
                slot=i // len(units) + 1,
                code=f"ZW2026-{i:05d}",
                title=f"产业工人队伍建设研究之{i}",
                category="调研报告",
                file_id=stored.id,
                file_name="a.pdf",
            )
            entry.authors.append(Author(position=1, name=f"作者{i}"))
            db.session.add(entry)
            db.session.flush()
            for k in range(2):
                db.session.add(
                    Finding(
                        entry_id=entry.id,
                        kind="email",
                        location="body",
                        severity="low" if k else "manual",
                        term=f"a{i}@example.cn",
                        evidence="……",
                    )
                )
            db.session.add(
                AuditEvent(actor_id=organiser.id, action="entry.create", detail="{}")
            )
        db.session.commit()
        return app, c.id


def measure(
    app, competition_id: int, requests: int
) -> list[tuple[str, int, float, float]]:  # noqa: ANN001, E501
    from sqlalchemy import event

    from judging.extensions import db

    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post(
        "/login", data={"username": "chief", "password": PASSWORD, "csrf_token": token}
    )
    c = competition_id
    paths = [
        "/admin/units?q=测试单位&sort=-name&page=3",
        "/admin/judges?q=专家&sort=name&page=3",
        "/admin/users?role=judge&sort=-login&page=3",
        f"/competitions/{c}/submissions?q=研究&sort=-submitted&page=3",
        f"/competitions/{c}/anonymity?status=open&severity=manual&page=3",
        "/admin/audit?kind=entry&page=3",
    ]
    rows = []
    with app.app_context():
        for path in paths:
            statements: list[str] = []

            def listen(*args, seen=statements):  # noqa: ANN002
                seen.append(args[2])

            client.get(path)  # warm up
            event.listen(db.engine, "before_cursor_execute", listen)
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            event.remove(db.engine, "before_cursor_execute", listen)
            rows.append(
                (
                    path,
                    len(statements) // requests,
                    min(times),
                    statistics.median(times),
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="smallest run: 60 entries")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.requests = [60], 1
    print(f"{'entries':>7}  {'statements':>10}  {'best ms':>8}  {'median ms':>9}  page")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
            app, competition_id = build(n, Path(tmp))
            for path, count, best, median in measure(
                app, competition_id, args.requests
            ):
                print(f"{n:>7}  {count:>10}  {best:>8.1f}  {median:>9.1f}  {path}")


if __name__ == "__main__":
    main()
