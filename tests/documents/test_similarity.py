"""Tests for judging.documents.similarity: copies found, boilerplate ignored."""

from __future__ import annotations

import random

import opencc
import pytest

from judging.documents.similarity import (
    find_candidates,
    find_similar,
    fingerprint,
    measure_pair,
    normalise,
    per_character,
)

T2S = per_character(opencc.OpenCC("t2s.json").convert)
S2T = opencc.OpenCC("s2t.json").convert
CHARS = [chr(c) for c in range(0x4E00, 0x9FA6)]
THEME = (
    "习近平总书记指出，产业工人是工人阶级的主体力量，是创造社会财富的中坚力量，"
    "是实施制造强国战略的骨干力量。深化产业工人队伍建设改革，是推进中国式现代化"
    "的必然要求，我们要理论强基促发展，我为产改作贡献。"
) * 3


def _essay(seed: int, paragraphs: int = 12) -> list[str]:
    rng = random.Random(seed)
    words = [
        "".join(rng.choice(CHARS) for _ in range(rng.randint(2, 4)))
        for _ in range(800)
    ]
    return [
        "".join(rng.choice(words) for _ in range(rng.randint(40, 60))) + "。"
        for _ in range(paragraphs)
    ]


def _similar(texts: dict, **kwargs) -> list:
    prints = {k: fingerprint(v, convert=T2S) for k, v in texts.items()}
    return find_similar(prints, texts.__getitem__, convert=T2S, **kwargs)


def _background(n: int = 20) -> dict[str, str]:
    return {f"x{i}": "\n".join(_essay(1000 + i)) for i in range(n)}


def test_normalise_sees_what_a_reader_sees():
    norm = normalise("Ｐｅｋｉｎｇ，重庆\u200b 大 学⼤学①")
    assert norm.text == "peking重庆大学大学1"
    # the map points back at the original characters
    original = "Ｐｅｋｉｎｇ，重庆\u200b 大 学⼤学①"
    assert [original[i] for i in norm.origin][6:10] == ["重", "庆", "大", "学"]


@pytest.mark.parametrize(
    ("make_copy", "kind", "low", "high"),
    [
        (lambda p: "\n".join(p), "same_text", 1.0, 1.0),
        (lambda p: "作者单位：另一所大学\n" + "\n".join(p), "near_copy", 0.95, 1.0),
        (lambda p: "\n".join(reversed(p)), "near_copy", 0.95, 1.0),
        (lambda p: S2T("\n".join(p)), "near_copy", 0.95, 1.0),
        (
            lambda p: "\n".join(p[:6] + _essay(77)[:6]),
            "shared_passages",
            0.45,
            0.55,
        ),
    ],
    ids=["identical", "new-heading", "reordered", "traditional", "half"],
)
def test_planted_copy_is_found(make_copy, kind, low, high):
    texts = _background()
    original = _essay(5)
    texts["a"] = "\n".join(original)
    texts["b"] = make_copy(original)
    pairs = _similar(texts)
    assert [(p.a, p.b, p.kind) for p in pairs] == [("a", "b", kind)]
    assert low <= pairs[0].share_b <= high


def test_passages_point_into_the_original_texts():
    first = _essay(5)
    other = _essay(6)
    a = "\n".join(first)
    b = "\n".join(other[:4] + first[2:5] + other[4:8])
    m = measure_pair(a, b)
    assert len(m.passages) == 1
    p = m.passages[0]
    copied = "\n".join(first[2:5])
    assert a[p.a_start : p.a_end] == copied.rstrip("。")
    assert b[p.b_start : p.b_end] == copied.rstrip("。")


def test_boilerplate_shared_by_many_essays_does_not_pair_them():
    # 16 unrelated essays, each 40 % made of the same theme and quotations
    shared = THEME + "\n" + "\n".join(_essay(999, 4))
    texts = {f"e{i}": shared + "\n" + "\n".join(_essay(i, 6)) for i in range(16)}
    assert _similar(texts) == []
    # the same texts without the boilerplate rule would all look alike
    prints = {k: fingerprint(v) for k, v in texts.items()}
    assert len(find_candidates(prints, common=10**9).candidates) == 16 * 15 // 2
    assert len(_similar(texts, common=10**9)) == 16 * 15 // 2


def test_new_restricts_pairs_to_the_new_entries():
    texts = _background(6)
    texts["old1"] = texts["old2"] = "\n".join(_essay(8))
    texts["new"] = "\n".join(_essay(9))
    texts["new-copy"] = texts["new"]
    pairs = _similar(texts, new={"new-copy"})
    assert [(p.a, p.b) for p in pairs] == [("new", "new-copy")]
    both = _similar(texts)
    assert {(p.a, p.b) for p in both} == {("old1", "old2"), ("new", "new-copy")}


def test_below_threshold_is_not_reported():
    a = _essay(11)
    b = _essay(12)
    texts = {"a": "\n".join(a), "b": "\n".join(b[:10] + a[:2])}  # ~17 % of b
    assert _similar(texts) == []
    assert [p.kind for p in _similar(texts, threshold=0.1)] == ["shared_passages"]


@pytest.mark.parametrize("text", ["", "短", "。，、", "abc"])
def test_short_or_empty_texts(text):
    texts = {"a": text, "b": text, "c": "\n".join(_essay(3))}
    pairs = _similar(texts)
    expected = [("a", "b")] if normalise(text).text else []
    assert [(p.a, p.b) for p in pairs] == expected


def test_same_input_same_output():
    texts = _background(8)
    texts["c"] = texts["x1"] + texts["x2"]
    assert _similar(texts) == _similar(dict(reversed(texts.items())))
