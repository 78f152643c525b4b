"""A national-scale competition for the organiser page benchmark: units × 5
entries, 300 judges, k = 3 reviews each, built in an empty instance folder.

The competition, its rubric and award scheme come from the competitions
service; units, judges, entries, assignments and the submitted reviews (whose
scores add up to their totals, as `results.demo.split_total` makes them) are
written in bulk, since the upload pipeline and the solver are benchmarked on
their own (documents.py, assignment.py).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

PASSWORD = "bench-2026"
ENTRIES_PER_UNIT = 5
JUDGES = 300
K = 3


def build_scale(instance: Path, n_entries: int) -> dict[str, object]:
    """Build the competition in ``instance`` and compute its results once (as
    the queue would); its id and the user names."""
    os.environ["JUDGING_INSTANCE_PATH"] = str(instance)
    from judging import create_app
    from judging.accounts.models import Judge, Role, Unit, User
    from judging.accounts.service import hash_password
    from judging.assignment.models import Assignment
    from judging.cli import init_database
    from judging.competitions import service as competitions
    from judging.competitions.models import Phase
    from judging.competitions.rules import default_settings
    from judging.dbtypes import utcnow
    from judging.extensions import db
    from judging.results.demo import split_total
    from judging.review.models import Review, ReviewStatus, Score
    from judging.submissions.models import Author, Entry, StoredFile

    app = create_app()
    with app.app_context():
        if db.inspect(db.engine).get_table_names():
            raise SystemExit(f"{db.engine.url!r} is not empty: give an empty database")
        init_database()
        hashed = hash_password(PASSWORD)
        organiser = User(
            username="organiser",
            password_hash=hashed,
            must_change_password=False,
            role=Role.ORGANISER,
            display_name="主办方",
        )
        db.session.add(organiser)
        db.session.flush()
        today = date.today()
        c = competitions.create_competition(
            actor=organiser,
            settings=default_settings(
                title="全国规模征文",
                opens_on=today - timedelta(days=30),
                closes_on=today - timedelta(days=10),
                max_entries=ENTRIES_PER_UNIT,
            ),
            extras=competitions.Extras(code_prefix="QG2026"),
        )
        c.phase = Phase.REVIEWING
        n_units = max(2, n_entries // ENTRIES_PER_UNIT)
        units = [Unit(name=f"单位{i:04d}") for i in range(n_units)]
        db.session.add_all(units)
        db.session.flush()
        contact = User(
            username="unit",
            password_hash=hashed,
            must_change_password=False,
            role=Role.UNIT,
            display_name="单位联系人",
            unit_id=units[0].id,
        )
        db.session.add(contact)
        users = [
            User(
                username=f"judge{i:03d}",
                password_hash=hashed,
                must_change_password=False,
                role=Role.JUDGE,
                display_name=f"专家{i:03d}",
            )
            for i in range(JUDGES)
        ]
        db.session.add_all(users)
        db.session.flush()
        judges = [
            Judge(
                user_id=u.id,
                name=u.display_name,
                unit_id=units[i % n_units].id if i % 3 == 0 else None,
            )
            for i, u in enumerate(users)
        ]
        db.session.add_all(judges)
        stored = StoredFile(sha256="0" * 64, size=1, kind="pdf")
        db.session.add(stored)
        db.session.flush()
        criteria = list(c.criteria)
        entries = []
        for i in range(n_entries):
            entry = Entry(
                competition_id=c.id,
                unit_id=units[i % n_units].id,
                slot=i // n_units + 1,
                code=f"QG2026-{i + 1:05d}",
                title=f"关于职工队伍建设的思考之{i + 1}",
                category="理论研究",
                advisor=f"导师{i % 97}",
                file_id=stored.id,
                file_name="a.pdf",
            )
            entry.authors.append(Author(position=1, name=f"作者{i + 1}"))
            entries.append(entry)
        db.session.add_all(entries)
        db.session.flush()
        assignments = []
        for i, entry in enumerate(entries):
            picked = 0
            step = 0
            while picked < K:
                judge = judges[(i * K + step) % JUDGES]
                step += 1
                if judge.unit_id == entry.unit_id:
                    continue
                assignments.append(Assignment(entry_id=entry.id, judge_id=judge.id))
                picked += 1
        db.session.add_all(assignments)
        db.session.flush()
        now = utcnow()
        reviews = []
        for n, a in enumerate(assignments):
            # a harsh third of the judges and entries of uneven quality
            quality = 55 + (a.entry_id * 37) % 40
            harsh = -8 if a.judge_id % 3 == 0 else 0
            total = Decimal(max(10, min(95, quality + harsh + (n * 7) % 9 - 4)))
            review = Review(
                assignment_id=a.id,
                total=total,
                comment="",
                status=ReviewStatus.SUBMITTED,
                submitted_at=now,
            )
            review.scores = [
                Score(criterion_id=k, points=v)
                for k, v in split_total(total, criteria).items()
            ]
            reviews.append(review)
        db.session.add_all(reviews)
        db.session.commit()
        # The queue worker's job, here in the building process so that the
        # measured web process never loads the statistics.
        import time

        from judging.results import computed

        start = time.perf_counter()
        computed.compute_and_store(c)
        db.session.commit()
        job = time.perf_counter() - start
        label = "results job (queue worker, once)"
        print(f"| {n_entries} | {label} | | | | {job * 1e3:.0f} |")
        found = {"competition": c.id, "organiser": "organiser", "unit": "unit"}
        db.engine.dispose()
    return found


if __name__ == "__main__":
    import sys

    build_scale(Path(sys.argv[1]), int(sys.argv[2]))
