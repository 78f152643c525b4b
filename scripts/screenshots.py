#!/usr/bin/env python3
"""Regenerate the README's screenshots from a demo instance.

The results page, the reliability page and the audit log, each at a desktop
width, on a phone and as printed (print media), are saved as PNG files in
docs/screenshots/. The demo is built in a temporary instance folder, served by
a local server in a thread and photographed with Debian's chromium through
Playwright; nothing leaves the machine.

    .venv/bin/python scripts/screenshots.py            # all nine pictures
    .venv/bin/python scripts/screenshots.py --smoke    # one page, to a temp folder
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "shots-2026"
# Used only when the machine has no Chinese font (a bare server): the
# certificates' own font, so the pictures show characters, not boxes.
FALLBACK_FONT = ROOT / "judging" / "certificates" / "fonts" / "ukai-cn-subset.ttf"
FONT_CSS = (
    "@font-face{font-family:'ShotsCJK';src:url('/__shots_cjk.ttf')}"
    "html,body,button,input,select,textarea,th,td,svg text"
    "{font-family:'Noto Sans CJK SC','ShotsCJK',sans-serif !important}"
)
# name → (viewport, print media)
SIZES = {
    "desktop": ({"width": 1280, "height": 900}, False),
    "phone": ({"width": 390, "height": 844}, False),
    "print": ({"width": 1000, "height": 1400}, True),
}


def build(instance: Path, *, smoke: bool = False):  # noqa: ANN201
    """A demo instance in ``instance``: the app and the reviewing competition."""
    os.environ["JUDGING_INSTANCE_PATH"] = str(instance)
    from sqlalchemy import select

    from judging import create_app
    from judging.cli import init_database
    from judging.competitions.models import Competition, Phase
    from judging.demo import build_demo
    from judging.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'shots.db'}",
            "JOBS_IMMEDIATE": True,
            "SECRET_KEY": "screenshots",
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        init_database()
        build_demo(password=PASSWORD, today=date.today(), reviewing_only=smoke)
        db.session.commit()
        competition = db.session.scalar(
            select(Competition.id)
            .where(Competition.phase == Phase.REVIEWING)
            .order_by(Competition.id)
        )
    return app, competition


def pages(competition: int) -> dict[str, str]:
    return {
        "results": f"/competitions/{competition}/results",
        "reliability": f"/competitions/{competition}/reliability",
        "audit": "/admin/audit",
    }


def serve(app):  # noqa: ANN001, ANN201
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def compress(path: Path) -> None:
    """A palette of 128 colours: text and charts stay sharp, the file a third."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128)
    small.save(path, optimize=True)


def has_chinese_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(
        ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
    )
    return bool(found.stdout.strip())


def shoot(base: str, targets: dict[str, str], sizes: dict, out: Path) -> list[Path]:
    """Log in as the demo organiser and save one PNG per page and size."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    font = None if has_chinese_font() else FALLBACK_FONT.read_bytes()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        for size, (viewport, printed) in sizes.items():
            context = browser.new_context(
                locale="zh-CN", viewport=viewport, bypass_csp=font is not None
            )
            if font is not None:
                context.route(
                    "**/__shots_cjk.ttf",
                    lambda route: route.fulfill(body=font, content_type="font/ttf"),
                )
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            if printed:
                page.emulate_media(media="print")
            for name, path in targets.items():
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                if font is not None:
                    page.add_style_tag(content=FONT_CSS)
                    page.evaluate("document.fonts.ready.then(() => true)")
                    page.wait_for_timeout(300)
                target = out / f"{name}-{size}.png"
                page.screenshot(path=str(target), full_page=True)
                compress(target)
                saved.append(target)
            context.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="one page at one size, to a temp folder"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for the PNGs")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run `bash scripts/setup.sh --test`")
        return 1
    with tempfile.TemporaryDirectory(prefix="judging-shots-") as folder:
        app, competition = build(Path(folder), smoke=args.smoke)
        server, base = serve(app)
        try:
            targets = pages(competition)
            if args.smoke:
                targets = {"results": targets["results"]}
                sizes = {"desktop": SIZES["desktop"]}
                out = args.out or Path(folder) / "shots"
            else:
                sizes, out = SIZES, args.out or OUT
            saved = shoot(base, targets, sizes, out)
        finally:
            server.shutdown()
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
