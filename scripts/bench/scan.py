#!/usr/bin/env python3
"""Time the anonymity leak scanner at several document sizes.

Usage: python scripts/bench/scan.py [--sizes 5000,20000,100000] [--repeat 3]
[--seed 0]

Data: Chinese-looking prose drawn from a fixed vocabulary that includes the
false-positive traps (重大部署, 注重师资 …), a few real leaks, e-mails and phone
numbers, cut into pages of about 1,000 characters, plus a handful of metadata
values; scanned against the full Chongqing unit list (the own unit plus
every other unit) and three people. Prints a Markdown table of the best of
``repeat`` wall-clock times.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from pathlib import Path

from judging.documents.scan import UnitIdentity, scan_document

ROOT = Path(__file__).resolve().parents[2]

UNITS_CSV = ROOT / "judging" / "data" / "universities-chongqing.csv"
WORDS = (
    "数字治理 乡村振兴 基层 社区 调查 样本 数据 分析 模型 政策 发展 创新 人才 "
    "制度 技术 协同 机制 路径 研究 结果 表明 显著 影响 因素 我们 认为 进一步 "
    "重大部署 注重师资 尊重交通规则 四川美食 山西大学 重庆市 大学城 经济 管理 "
    "COVID-19 2024 GDP AI 的 了 和 在 是 与 对 ， 。 、 ； ： （ ） \n"
).split(" ")
LEAKS = (
    "重庆大学",
    "重大学子",
    "西南大学",
    "张晓明",
    "zhangxm@example.edu.cn",
    "13812345678",
    "023-65102345",
)


def load_units() -> list[UnitIdentity]:
    with open(UNITS_CSV, encoding="utf-8") as fh:
        return [
            UnitIdentity(
                name=row["name"],
                short_name=row["short_name"],
                aliases=tuple(a for a in re.split(r"[|;、]", row["aliases"]) if a),
            )
            for row in csv.DictReader(fh)
        ]


def make_segments(size: int, seed: int) -> list[tuple[str, str, str]]:
    """About ``size`` characters of body text in pages, plus metadata."""
    rng = random.Random(seed)
    pieces: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(LEAKS) if rng.random() < 0.002 else rng.choice(WORDS)
        pieces.append(word)
        length += len(word)
    text = "".join(pieces)[:size]
    pages = [
        ("body", text[i : i + 1000], f"page {i // 1000 + 1}")
        for i in range(0, len(text), 1000)
    ]
    meta = [
        ("metadata", "张晓明", "core:creator"),
        ("metadata", "重大", "app:Company"),
        ("metadata", "Microsoft Office Word", "app:Application"),
    ]
    return pages + meta


def best_time(function: object, repeat: int) -> float:
    """Best wall-clock seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--smoke", action="store_true", help="smallest size once: --sizes 5000"
    )
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.repeat = "5000", 1
    units = load_units()
    own = units[0]
    people = ["张晓明", "李华", "Zhang Xiaoming"]
    print("| 字符数 | 段数 | 学校数 | 发现数 | 扫描 (ms) | 每千字 (ms) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        segments = make_segments(size, args.seed)

        def run(segs: list[tuple[str, str, str]] = segments) -> list[object]:
            return scan_document(segs, unit=own, people=people, other_units=units)

        seconds = best_time(run, args.repeat)
        print(
            f"| {size:,} | {len(segments)} | {len(units)} | {len(run())} "
            f"| {seconds * 1000:.1f} | {seconds * 1e6 / size:.2f} |"
        )


if __name__ == "__main__":
    main()
