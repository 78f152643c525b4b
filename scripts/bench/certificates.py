#!/usr/bin/env python3
"""Benchmark certificate rendering: N pages with QR codes and a seal in one PDF.

Synthetic awarded entries (several authors, titles from short to very long) are
rendered with a demo seal; the last line is key=value pairs for scripts to parse:

    python scripts/bench/certificates.py --count 1000 --out /tmp/certs.pdf
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from judging.certificates.demo import demo_seal_png
from judging.certificates.render import (
    CertificateData,
    render_certificates,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红堃喆玥祎彧垚"
TOPICS = [
    "新时代高校教职工思想政治工作的实践路径研究",
    "基于深度学习的课堂教学质量评价",
    "“双一流”建设背景下地方高校教师发展中心的功能定位与运行机制研究——以重庆市"
    "五所高校为例",
    "工会组织在构建和谐劳动关系中的作用",
    "人工智能（AI）赋能高校教育管理：机遇、挑战与对策",
    "数字化转型背景下高校工会服务教职工的创新路径探析",
]
TIERS = ["一等奖", "二等奖", "三等奖", "优秀奖"]
ISSUER = "重庆市教科文卫体工会"


def make_items(*, count: int, seed: int) -> list[CertificateData]:
    """Synthetic awarded entries with unique serials and verification URLs."""
    rng = random.Random(seed)
    seal = demo_seal_png(ISSUER)
    items = []
    for index in range(count):
        authors = tuple(
            rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            for _ in range(rng.randint(1, 4))
        )
        serial = f"CQJW-2026-{index:05d}-{rng.getrandbits(40):010X}"
        items.append(
            CertificateData(
                serial=serial,
                verify_url=f"https://judging.example.edu.cn/verify/{serial}",
                authors=authors,
                title=rng.choice(TOPICS),
                tier=TIERS[min(3, index * 4 // max(1, count))],
                competition="2026年重庆市高校教职工“强国有我”主题征文比赛",
                issuer=ISSUER,
                issued_on=date(2026, 11, 20),
                seal_png=seal,
                unit=rng.choice(["重庆大学", "西南大学", "重庆医科大学", None]),
            )
        )
    return items


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "certificates.pdf",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--smoke", action="store_true", help="smallest size: 5 certificates"
    )
    args = parser.parse_args()
    if args.smoke:
        args.count = 5
    items = make_items(count=args.count, seed=args.seed)
    started = time.perf_counter()
    with args.out.open("wb") as out:
        data = render_certificates(items, out=out)
    seconds = time.perf_counter() - started
    print(f"count={args.count} seconds={seconds:.2f} bytes={len(data)}")


if __name__ == "__main__":
    main()
