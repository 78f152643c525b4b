#!/usr/bin/env python3
"""Similarity check (查重) on generated essays with planted copies.

Usage: python scripts/bench/similarity.py [--sizes 1000,10000] [--chars 8000]
[--seed 1] [--threshold 0.3]

Essays of about ``--chars`` characters are drawn from a vocabulary of Chinese
words; every essay opens with the competition's theme, cites policy quotations
shared by many essays and ends with references from a common pool (the
boilerplate that must not make essays alike). One essay in 25 is planted as a
copy of another, in turn: a whole copy under a new heading, half of its
paragraphs taken into a new essay, and a lightly edited copy (one word in 20
replaced, paragraphs reordered, written in traditional characters). Prints
recall of the planted pairs at the threshold, false pairs (reported pairs that
were not planted) per 1,000 essays, seconds (fingerprints and comparison, not
the generation) and the process's peak memory (generated texts included; sizes
run in the order given, so list them smallest first).
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import opencc

from judging.documents.similarity import find_similar, fingerprint, per_character

THEME = "理论强基促发展我为产改作贡献，深入推进新时代产业工人队伍建设改革。"
COMMON = [chr(c) for c in range(0x4E00, 0x9FA6)]


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    chars = "".join(rng.sample(COMMON, 3500))
    return [
        "".join(rng.choice(chars) for _ in range(rng.randint(2, 4)))
        for _ in range(size)
    ]


def sentence(rng: random.Random, words: list[str]) -> str:
    return "".join(rng.choice(words) for _ in range(rng.randint(8, 16))) + "。"


def paragraph(rng: random.Random, words: list[str]) -> str:
    return "".join(sentence(rng, words) for _ in range(rng.randint(6, 10)))


def essay(rng, words, quotes, references, chars: int) -> list[str]:  # noqa: ANN001
    paragraphs = [THEME]
    while sum(map(len, paragraphs)) < chars:
        paragraphs.append(paragraph(rng, words))
        if rng.random() < 0.08:
            paragraphs.append(rng.choice(quotes))
    paragraphs.append("参考文献：" + "；".join(rng.sample(references, 6)))
    return paragraphs


def build(n: int, chars: int, seed: int):  # noqa: ANN201
    """Texts by key and the planted pairs."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    quotes = ["“" + paragraph(rng, words)[:120] + "”" for _ in range(20)]
    references = [f"[{i}] " + sentence(rng, words) for i in range(300)]
    to_traditional = opencc.OpenCC("s2t.json").convert
    texts: dict[int, str] = {}
    sources: dict[int, list[str]] = {}
    planted: set[tuple[int, int]] = set()
    for key in range(n):
        if key >= 25 and key % 25 == 0:
            original = rng.randrange(key - 25, key)
            while original not in sources:
                original = rng.randrange(0, key)
            paragraphs = list(sources[original])
            kind = (key // 25) % 3
            if kind == 0:  # a whole copy under a new heading
                body = ["（作者单位：另一所高校）"] + paragraphs
            elif kind == 1:  # half of it taken into a new essay
                own = essay(rng, words, quotes, references, chars // 2)
                body = own[:-1] + paragraphs[1 : len(paragraphs) // 2 + 1] + own[-1:]
            else:  # reordered, one word in 20 replaced, traditional characters
                middle = paragraphs[1:-1]
                rng.shuffle(middle)
                edited = []
                for p in middle:
                    out = []
                    for i in range(0, len(p), 3):
                        out.append(
                            rng.choice(words) if rng.random() < 0.05 else p[i : i + 3]
                        )
                    edited.append(to_traditional("".join(out)))
                body = paragraphs[:1] + edited + paragraphs[-1:]
            planted.add((original, key))
            texts[key] = "\n".join(body)
            continue
        sources[key] = essay(rng, words, quotes, references, chars)
        texts[key] = "\n".join(sources[key])
    return texts, planted


def run(n: int, chars: int, seed: int, threshold: float) -> str:
    texts, planted = build(n, chars, seed)
    convert = per_character(opencc.OpenCC("t2s.json").convert)
    start, cpu = time.perf_counter(), time.process_time()
    prints = {key: fingerprint(text, convert=convert) for key, text in texts.items()}
    found = find_similar(
        prints, texts.__getitem__, threshold=threshold, convert=convert
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pairs = {(min(p.a, p.b), max(p.a, p.b)) for p in found}
    recall = len(pairs & planted) / max(1, len(planted))
    false = len(pairs - planted)
    return (
        f"| {n:,} | {len(planted)} | {recall:.3f} | {false} | "
        f"{false * 1000 / n:.2f} | {seconds:.1f} | {cpu:.1f} | {peak:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--chars", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=0.3)
    parser.add_argument(
        "--smoke", action="store_true", help="smallest size: 100 essays of 2,000"
    )
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.chars = "100", 2000
    print(
        "| 作品数 | 植入的复制对 | 召回率 | 误报对 | 每千篇误报 | 秒 | CPU 秒 "
        "| 峰值内存 MB |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        print(run(size, args.chars, args.seed, args.threshold), flush=True)


if __name__ == "__main__":
    main()
