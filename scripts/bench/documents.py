#!/usr/bin/env python3
"""Time the review copy, reading it back, and OCR of its pictures.

Usage: python scripts/bench/documents.py [--sizes 1,5,20] [--repeat 3] [--smoke]

Data: for each size n, a python-docx essay of n × 40 paragraphs of Chinese
prose with n pictures of text (each a 1,400 × 220 sign drawn with Pillow in the
certificate font), and n scanned pages (1,700 × 2,200 pictures of 30 lines).
Prints a Markdown table of the best of ``repeat`` wall-clock times: building the
DOCX copy, inspecting the copy (paragraphs and markup), and OCR of the figures
and of the scanned pages with Tesseract (one process per picture,
OMP_THREAD_LIMIT=1).
"""

from __future__ import annotations

import argparse
import io
import random
import time
from pathlib import Path

import docx
from docx.shared import Cm
from PIL import Image, ImageDraw, ImageFont

from judging.documents.inspection import Picture, extract_pictures, inspect_document
from judging.documents.ocr import recognise
from judging.documents.review_copy import make_review_copy

ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "judging" / "certificates" / "fonts" / "ukai-cn-subset.ttf"
PROSE = "基层工会在职工服务中的做法与不足问卷访谈数据分析表明制度创新协同机制路径"


def text_picture(lines: list[str], size: tuple[int, int], px: int) -> bytes:
    font = ImageFont.truetype(str(FONT), px)
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 30 + int(px * 1.6) * i), line, font=font, fill=0)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def essay(n: int, rng: random.Random) -> bytes:
    document = docx.Document()
    sign = text_picture(
        ["作者单位：重庆工商大学经济学院", "指导教师：李华"], (1400, 220), 56
    )
    for i in range(n * 40):
        document.add_paragraph("".join(rng.choice(PROSE) for _ in range(120)))
        if i % 40 == 0:
            document.add_picture(io.BytesIO(sign), width=Cm(14))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def scanned_page(rng: random.Random) -> bytes:
    lines = ["".join(rng.choice(PROSE) for _ in range(24)) for _ in range(30)]
    return text_picture(lines, (1700, 2200), 48)


def best(fn, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,5,20")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="once, smallest size")
    args = parser.parse_args()
    sizes = [1] if args.smoke else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.smoke else args.repeat
    rng = random.Random(0)
    print("| n | DOCX KB | copy s | inspect copy s | OCR n figures s | OCR n scans s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        data = essay(n, rng)
        copy = make_review_copy(data, kind="docx")
        figures = extract_pictures(copy, kind="docx")
        scans = [Picture(f"page {i}", scanned_page(rng), i, True) for i in range(n)]
        t_copy = best(lambda d=data: make_review_copy(d, kind="docx"), repeat)
        t_read = best(lambda c=copy: inspect_document(c, max_bytes=10**9), repeat)
        t_fig = best(lambda f=figures: recognise(f), 1)
        t_scan = best(lambda s=scans: recognise(s), 1)
        print(
            f"| {n} | {len(data) // 1024} | {t_copy:.2f} | {t_read:.2f} "
            f"| {t_fig:.1f} | {t_scan:.1f} |"
        )


if __name__ == "__main__":
    main()
