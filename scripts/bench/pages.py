#!/usr/bin/env python3
"""CPU per request of the logged-in pages, in-process: no server, no network.

Builds the demo data in a temporary folder (SQLite), logs in as the judge of an
open score sheet and calls the WSGI app directly, so the figures are the app's
own work per request (what gunicorn adds is measured by http_load.py):

    python scripts/bench/pages.py [--requests 2000] [PATH ...]

Default paths: the judge's entry page (``/judge/assignments/<id>``), the
smallest logged-in page (``/account/password``) and the judge's dashboard
(``/judge``). Prints, per path, the status, the response size, the SQL
statements per request (BEGIN included) and the milliseconds per request: the
best and the median of five rounds, since other jobs share the machine.

Organiser and public pages at national scale:

    python scripts/bench/pages.py --entries 500 5000

builds, per size, units × 5 entries, 300 judges, k = 3 submitted reviews
(scripts/bench/_scale_site.py), times the background computation of the
results once, then each results page and file and every other organiser page
(one warm request, median of three) with its SQL statements, each results file
as its background job builds it (once; above DOWNLOADS_DIRECT_LIMIT entries the
file links start that job), finalises and times the frozen pages, publishes and
times the published, public, unit and certificate pages. Each size is
measured in a fresh process, whose resident memory is printed after the
results page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _demo_site import PASSWORD, TOKEN, build_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("paths", nargs="*")
    parser.add_argument(
        "--smoke", action="store_true", help="smallest run: 10 requests per path"
    )
    parser.add_argument(
        "--entries",
        type=int,
        nargs="+",
        help="organiser pages at these numbers of entries (e.g. 500 5000)",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # one size, in a child
    args = parser.parse_args()
    if args.serve:
        measure_organiser(**json.loads(args.serve))
        return
    if args.entries or args.smoke:
        organiser_pages(args.entries or [50])
        if args.entries:
            return
    if args.smoke:
        args.requests = 10
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        print("building the demo data …", flush=True)
        assignment_id, username = build_data(Path(tmp) / "instance")
        paths = args.paths or [
            f"/judge/assignments/{assignment_id}",
            "/account/password",
            "/judge",
        ]
        measure(username, paths, args.requests)


def measure(username: str, paths: list[str], requests: int) -> None:
    from sqlalchemy import event
    from werkzeug.test import EnvironBuilder

    from judging import create_app
    from judging.extensions import db

    app = create_app()
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
    )
    cookie = f"session={client.get_cookie('session').value}"
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    print("\n| path | status | bytes | SQL | ms (best) | ms (median) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for path in paths:
        environ = EnvironBuilder(path=path, headers={"Cookie": cookie}).get_environ()
        for _ in range(50):  # warm the caches
            status, size = _call(app, environ)
        statements.clear()
        _call(app, environ)
        per_request = len(statements)
        rounds = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(requests // 5):
                _call(app, environ)
            rounds.append((time.perf_counter() - start) / (requests // 5) * 1e3)
        print(
            f"| `{path}` | {status} | {size} | {per_request} "
            f"| {min(rounds):.2f} | {statistics.median(rounds):.2f} |"
        )


def organiser_pages(sizes: list[int]) -> None:
    """Build each size, then measure it in a process of its own (honest RSS)."""
    print(f"\nload average at the start: {os.getloadavg()[0]:.1f}")
    print("\n| entries | page | status | bytes | SQL | ms |")
    print("| ---: | --- | --- | ---: | ---: | ---: |")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            build = [sys.executable, str(Path(__file__).with_name("_scale_site.py"))]
            start = time.perf_counter()
            subprocess.run([*build, str(Path(tmp) / "instance"), str(n)], check=True)
            built = time.perf_counter() - start
            print(f"| {n} | (built in {built:.0f} s) | | | | |", flush=True)
            serve = json.dumps({"instance": str(Path(tmp) / "instance"), "n": n})
            env = dict(os.environ, JUDGING_INSTANCE_PATH=str(Path(tmp) / "instance"))
            subprocess.run(
                [sys.executable, __file__, "--serve", serve], check=True, env=env
            )
            print(f"\nload average after {n}: {os.getloadavg()[0]:.1f}", flush=True)


def measure_organiser(*, instance: str, n: int) -> None:
    """One size: the results job once, then every page (in this fresh process)."""
    from sqlalchemy import event, select
    from werkzeug.test import EnvironBuilder

    from judging import create_app
    from judging.accounts.models import User
    from judging.competitions.models import Competition
    from judging.extensions import db
    from judging.publication.service import publish_after_publicity
    from judging.results import service
    from judging.submissions.models import Entry

    app = create_app()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
        cid = db.session.scalars(select(Competition.id)).one()
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    organiser = _cookie(app, "organiser")
    base = f"/competitions/{cid}"

    def row(path: str, cookie: str | None, label: str | None = None) -> None:
        headers = {"Cookie": cookie} if cookie else {}
        environ = EnvironBuilder(path=path, headers=headers).get_environ()
        _call(app, environ)  # warm
        statements.clear()
        status, size = _call(app, environ)
        count = len(statements)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            _call(app, environ)
            times.append((time.perf_counter() - start) * 1e3)
        print(
            f"| {n} | `{label or path}` | {status.split()[0]} | {size} | {count} "
            f"| {statistics.median(times):.0f} |",
            flush=True,
        )

    row(f"{base}/results", organiser)
    print(f"| {n} | worker RSS after the results page | | | | {_rss_mb():.0f} MB |")
    with app.app_context():
        entry_id = db.session.scalars(
            select(Entry.id).where(Entry.competition_id == cid).order_by(Entry.id)
        ).first()
    for path in (
        f"{base}/results?method=mean&page=5",
        f"{base}/results/entries/{entry_id}",  # why this score
        f"{base}/reliability",
        f"{base}/awards.xlsx",
        f"{base}/awards.pdf",
        f"{base}/scores.xlsx",
        base,
        f"{base}/submissions",
        f"{base}/assignment",
        f"{base}/assignment?staff=short&sort=-judges",
        f"/entries/{entry_id}/judges",  # one entry's judges, with every load
        f"{base}/conflicts",
        f"{base}/disagreements",
        f"{base}/progress",
        f"{base}/reminders.xlsx",
        f"{base}/notices",
        f"{base}/reviews",
        f"{base}/reviews?state=waiting&page=3",
        f"/entries/{entry_id}/reviews",
        f"{base}/rounds",
    ):
        row(path, organiser)
    files_as_jobs(app, cid, n)
    with app.app_context():
        c = db.session.get(Competition, cid)
        actor = db.session.scalars(select(User).where(User.username == "organiser"))
        actor = actor.one()
        start = time.perf_counter()
        service.finalise(actor=actor, competition=c, method="calibrated", now=_now())
        db.session.commit()
        finalise = time.perf_counter() - start
    label = "finalise (service and commit; stored results current)"
    print(f"| {n} | {label} | | | | {finalise * 1e3:.0f} |")
    row(f"{base}/results", organiser, "results after finalising (frozen)")
    row(f"{base}/results?page=5", organiser, "frozen results, page 5")
    row(f"{base}/results/entries/{entry_id}", organiser, "why this score (frozen)")
    row(base, organiser, "competition dashboard (frozen)")
    with app.app_context():
        c = db.session.get(Competition, cid)
        actor = db.session.scalars(select(User).where(User.username == "organiser"))
        publish_after_publicity(
            actor=actor.one(),
            competition=c,
            started=_now() - timedelta(days=10),
            now=_now(),
        )
        db.session.commit()
    row(f"{base}/results", organiser, "results after publication")
    row(f"{base}/certificates", organiser, "certificates")
    row(f"/awards/{cid}", None, "public award list (anonymous)")
    row(f"/unit/competitions/{cid}/results", _cookie(app, "unit"), "unit's results")
    print(f"| {n} | worker RSS at the end | | | | {_rss_mb():.0f} MB |")
    heavy = ", ".join(m for m in ("pandas", "scipy") if m in sys.modules)
    print(f"| {n} | statistics loaded by the web process | | | | {heavy or '-'} |")


def files_as_jobs(app, cid: int, n: int) -> None:  # noqa: ANN001
    """Each results file as its background job builds it (above
    DOWNLOADS_DIRECT_LIMIT entries the download links start these jobs)."""
    import io

    from judging.competitions.models import Competition
    from judging.downloads import jobs as downloads
    from judging.extensions import db

    by_job = "job" if n > app.config["DOWNLOADS_DIRECT_LIMIT"] else "direct"
    for kind in ("scores", "awards-xlsx", "awards-pdf"):
        with app.app_context():
            c = db.session.get(Competition, cid)
            out = io.BytesIO()
            start = time.perf_counter()
            downloads.KINDS[kind].build(c, None, out, lambda *a: None)
            took = (time.perf_counter() - start) * 1e3
        print(
            f"| {n} | {kind} built as a job (here: {by_job}) | | {out.tell()} | "
            f"| {took:.0f} |",
            flush=True,
        )


def _now():  # noqa: ANN202
    from judging.dbtypes import utcnow

    return utcnow()


def _cookie(app, username: str) -> str:  # noqa: ANN001
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
    )
    return f"session={client.get_cookie('session').value}"


def _rss_mb() -> float:
    """Resident memory of this process now (Linux), in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _call(app, environ: dict) -> tuple[str, int]:  # noqa: ANN001
    """One request straight into the WSGI app: (status line, body size)."""
    answer: list[str] = []
    body = app.wsgi_app(dict(environ), lambda status, *_: answer.append(status))
    return answer[0], len(b"".join(body))


if __name__ == "__main__":
    main()
