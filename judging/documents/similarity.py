"""Similar essays (查重): copies between entries of a competition and earlier years.

Pure: no Flask, no database.

How it works, and why this way:

1. Each text is normalised (NFKC, full-width to half-width, no whitespace or
   punctuation, Latin lower-cased) keeping a map back to the original
   characters, so passages can be shown in the text the reader knows.
2. Every run of ``n`` characters (a shingle) is hashed; a fixed 1/``sample``
   share of the hashes — those whose low bits are zero — is kept as the text's
   fingerprint. Keeping hashes by their value (not by position) means that two
   texts sharing a passage keep the *same* hashes of it, so the share of a
   text's fingerprint found in another estimates the share of its text found
   there (containment, not Jaccard: a 3,000-character essay copied whole into a
   9,000-character one is 100 % copied, though the two are only a third alike).
3. Fingerprint hashes that occur in many texts are boilerplate (the theme,
   policy quotations every essay cites, common reference lists) and are set
   aside before anything is compared, so they cannot make unrelated essays
   look alike.
4. An inverted index from the remaining hashes to the texts that hold them
   yields every pair that shares any of them; its cost grows with the number of
   texts and the number of genuinely shared hashes, about linearly.
5. Each candidate pair whose estimated share reaches part of the threshold is
   measured exactly: every shingle of one text is looked up in the other,
   covered characters are merged into passages, passages that are mostly
   boilerplate are dropped, and the share of each text covered by the rest is
   the pair's overlap.

This departs from MinHash with locality-sensitive hashing: MinHash estimates
Jaccard similarity, which is small when a long passage is copied into a longer
essay, so finding 30 % containment with LSH needs so many bands that the
candidate sets explode; value-sampled fingerprints give containment directly
with the same linear cost.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

SHINGLE = 8  # characters per shingle: longer than the common set phrases
SAMPLE = 8  # keep one hash in SAMPLE (by value) as the fingerprint
MIN_PASSAGE = 30  # normalised characters: shorter shared runs are not reported
_BASE = np.uint64(1_000_003)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class Normalised:
    """A text reduced to the characters that matter, with a map back."""

    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original of text[i]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


_KEEP = re.compile(r"[^\W_]+")  # runs of letters (CJK included) and digits


def _char_class(chars: list[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


@lru_cache(maxsize=1)
def _nfkc_table() -> tuple[dict[int, str], re.Pattern[str], re.Pattern[str]]:
    """Per-character NFKC for the Basic Multilingual Plane, as far as it matters
    here: a translation table for characters that become one letter or digit
    (full-width forms, CJK compatibility ideographs, Kangxi radicals …), a
    pattern that finds them (most texts have none, and skip the translation),
    and a pattern for the few that become several characters (ligatures, ㈱ …),
    which take the slow path. Punctuation that NFKC maps to other punctuation
    is left alone: it is dropped either way."""
    table: dict[int, str] = {}
    several = []
    for code in range(0x20, 0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        ch = chr(code)
        out = unicodedata.normalize("NFKC", ch)
        if out == ch:
            continue
        if len(out) > 1:
            several.append(ch)
        elif _KEEP.match(out):
            table[code] = out
    return table, _char_class([chr(c) for c in table]), _char_class(several)


def per_character(convert: Callable[[str], str]) -> Callable[[str], str]:
    """A length-preserving, fast version of a character converter (such as
    OpenCC's traditional → simplified): each CJK character is converted once,
    alone, into a translation table. Phrase rules are lost, which is what a
    comparison of texts wants: the same characters on both sides."""
    table: dict[int, str] = {}
    for start, end in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)):
        for code in range(start, end):
            out = convert(chr(code))
            if len(out) == 1 and out != chr(code):
                table[code] = out
    return lambda text: text.translate(table)


def _normalise_slow(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch):
            if _KEEP.match(out):
                chars.append(out)
                origin.append(i)
    return "".join(chars), origin


def normalise(
    text: str,
    *,
    convert: Callable[[str], str] | None = None,
    with_origin: bool = True,
) -> Normalised:
    """NFKC per character, ``convert`` (e.g. traditional → simplified) applied,
    Latin lower-cased, and everything but letters and digits dropped. Without
    ``with_origin`` the map back is left empty (fingerprints need no map)."""
    table, needed, several = _nfkc_table()
    mapped = text.translate(table) if needed.search(text) else text
    origin: list[int] = []
    if several.search(text) or not unicodedata.is_normalized("NFC", mapped):
        joined, origin = _normalise_slow(text)
    elif with_origin:
        parts = []
        for match in _KEEP.finditer(mapped):
            parts.append(match.group())
            origin.extend(range(match.start(), match.end()))
        joined = "".join(parts)
    else:
        joined = "".join(_KEEP.findall(mapped))
    joined = joined.lower()
    if convert is not None:
        converted = convert(joined)
        if len(converted) != len(joined):  # a phrase rule changed the length:
            converted = "".join(convert(ch)[:1] or ch for ch in joined)  # per char
        joined = converted
    return Normalised(joined, tuple(origin))


def shingle_hashes(text: str, n: int = SHINGLE) -> np.ndarray:
    """One well-mixed 64-bit hash per run of ``n`` characters, in order."""
    if len(text) < n:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    m = len(codes) - n + 1
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            h = h * _BASE + codes[j : j + m]
        h ^= h >> np.uint64(30)  # splitmix64's finaliser: every bit depends on all
        h *= _MIX1
        h ^= h >> np.uint64(27)
        h *= _MIX2
        h ^= h >> np.uint64(31)
    return h


def _sampled(hashes: np.ndarray, sample: int) -> np.ndarray:
    return hashes[(hashes & np.uint64(sample - 1)) == 0]


@dataclass(frozen=True)
class Fingerprint:
    """What is kept of a text for finding candidates: small and comparable."""

    hashes: np.ndarray  # sorted unique sampled shingle hashes (uint64)
    length: int  # normalised characters
    digest: str  # sha256 of the normalised text: equal digests = same text


def fingerprint(
    text: str,
    *,
    convert: Callable[[str], str] | None = None,
    n: int = SHINGLE,
    sample: int = SAMPLE,
) -> Fingerprint:
    """The fingerprint of one text (see the module docstring, step 2)."""
    norm = normalise(text, convert=convert, with_origin=False)
    hashes = np.unique(_sampled(shingle_hashes(norm.text, n), sample))
    return Fingerprint(hashes=hashes, length=len(norm.text), digest=norm.digest)


@dataclass(frozen=True)
class Candidate:
    a: Hashable
    b: Hashable
    shared: int  # fingerprint hashes in common, boilerplate set aside
    estimate: float  # larger of the two estimated shares


@dataclass(frozen=True)
class CandidateSet:
    candidates: list[Candidate]
    boilerplate: frozenset[int]  # fingerprint hashes found in too many texts


def common_limit(count: int, *, share: float = 0.01, floor: int = 10) -> int:
    """A hash held by more than this many texts is boilerplate."""
    return max(floor, int(np.ceil(share * count)))


def find_candidates(
    prints: Mapping[Hashable, Fingerprint],
    *,
    new: Iterable[Hashable] | None = None,
    min_estimate: float = 0.15,
    common: int | None = None,
) -> CandidateSet:
    """Pairs of texts sharing enough non-boilerplate fingerprint hashes.

    ``new``: only pairs with at least one of these (a new upload against
    everything); None compares all with all. Pairs of texts with the same
    normalised text are always candidates.
    """
    # Sorted, so that the pairs do not depend on the order of the mapping.
    keys = sorted(prints, key=lambda k: (type(k).__name__, k))
    if len(keys) < 2:
        return CandidateSet([], frozenset())
    limit = common if common is not None else common_limit(len(keys))
    sizes = np.array([len(prints[k].hashes) for k in keys], dtype=np.int64)
    all_hashes = np.concatenate([prints[k].hashes for k in keys])
    owners = np.repeat(np.arange(len(keys), dtype=np.int64), sizes)
    order = np.argsort(all_hashes, kind="stable")
    all_hashes, owners = all_hashes[order], owners[order]
    starts = np.flatnonzero(np.r_[True, all_hashes[1:] != all_hashes[:-1]])
    counts = np.diff(np.r_[starts, len(all_hashes)])
    boiler = counts > limit
    boilerplate = frozenset(int(h) for h in all_hashes[starts[boiler]])
    # Each text's fingerprint without boilerplate: the denominator of its share.
    boiler_per_text = np.bincount(
        owners[np.repeat(boiler, counts)], minlength=len(keys)
    )
    useful = np.maximum(sizes - boiler_per_text, 1)

    is_new = np.ones(len(keys), dtype=bool)
    if new is not None:
        wanted = set(new)
        is_new = np.array([k in wanted for k in keys], dtype=bool)

    pair_codes: list[np.ndarray] = []
    shared_groups = (counts >= 2) & ~boiler
    width = np.int64(len(keys))
    for size in np.unique(counts[shared_groups]):
        group_starts = starts[shared_groups & (counts == size)]
        members = owners[group_starts[:, None] + np.arange(size)]  # (groups, size)
        for x in range(size):
            for y in range(x + 1, size):
                i, j = members[:, x], members[:, y]
                lo, hi = np.minimum(i, j), np.maximum(i, j)
                keep = (lo != hi) & (is_new[lo] | is_new[hi])
                pair_codes.append(lo[keep] * width + hi[keep])
    found: dict[tuple[int, int], int] = {}
    if pair_codes:
        codes, shared = np.unique(np.concatenate(pair_codes), return_counts=True)
        lo, hi = codes // width, codes % width
        est = np.maximum(shared / useful[lo], shared / useful[hi])
        keep = est >= min_estimate
        for i, j, s in zip(lo[keep], hi[keep], shared[keep], strict=True):
            found[(int(i), int(j))] = int(s)
    # The same normalised text is a copy whatever the fingerprint says (short
    # or boilerplate-only texts included).
    by_digest: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if prints[key].length:
            by_digest.setdefault(prints[key].digest, []).append(index)
    for group in by_digest.values():
        for x, i in enumerate(group):
            for j in group[x + 1 :]:
                if is_new[i] or is_new[j]:
                    found.setdefault((i, j), 0)
    candidates = [
        Candidate(
            a=keys[i],
            b=keys[j],
            shared=s,
            estimate=float(max(s / useful[i], s / useful[j])),
        )
        for (i, j), s in sorted(found.items())
    ]
    return CandidateSet(candidates, boilerplate)


@dataclass(frozen=True)
class Passage:
    """A shared passage, as character ranges [start, end) of both originals."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True)
class PairMeasure:
    share_a: float  # share of a's normalised text found in b
    share_b: float
    same_text: bool
    passages: tuple[Passage, ...] = field(default_factory=tuple)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.r_[False, mask, False].astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _covered(mine: np.ndarray, theirs: np.ndarray, length: int, n: int) -> np.ndarray:
    """Characters of a text covered by a shingle that the other text also has."""
    hit = np.isin(mine, theirs)
    cover = np.zeros(length + 1, dtype=np.int32)
    starts = np.flatnonzero(hit)
    np.add.at(cover, starts, 1)
    np.add.at(cover, starts + n, -1)
    return np.cumsum(cover[:length]) > 0


def _real_runs(
    covered: np.ndarray,
    hashes: np.ndarray,
    boilerplate: frozenset[int],
    sample: int,
    min_run: int,
) -> list[tuple[int, int]]:
    """Covered runs long enough and not mostly boilerplate."""
    runs = []
    for start, end in _runs(covered):
        if end - start < min_run:
            continue
        inside = hashes[start : max(start, end - SHINGLE + 1)]
        marks = _sampled(inside, sample)
        if len(marks) and sum(int(h) in boilerplate for h in marks) * 2 > len(marks):
            continue
        runs.append((start, end))
    return runs


def measure_pair(
    text_a: str,
    text_b: str,
    *,
    boilerplate: frozenset[int] = frozenset(),
    convert: Callable[[str], str] | None = None,
    n: int = SHINGLE,
    sample: int = SAMPLE,
    min_run: int = MIN_PASSAGE,
) -> PairMeasure:
    """The exact share of each text found in the other, and the passages."""
    a, b = normalise(text_a, convert=convert), normalise(text_b, convert=convert)
    same = bool(a.text) and a.text == b.text
    ha, hb = shingle_hashes(a.text, n), shingle_hashes(b.text, n)
    if not len(ha) or not len(hb):
        return PairMeasure(float(same), float(same), same)
    runs_a = _real_runs(
        _covered(ha, hb, len(a.text), n), ha, boilerplate, sample, min_run
    )
    runs_b = _real_runs(
        _covered(hb, ha, len(b.text), n), hb, boilerplate, sample, min_run
    )
    first_in_b: dict[int, int] = {}
    for pos, h in enumerate(hb.tolist()):
        first_in_b.setdefault(h, pos)
    passages = []
    for start, end in runs_a:
        pos = first_in_b.get(int(ha[start]))
        if pos is None:
            continue
        b_end = min(len(b.text), pos + (end - start))
        passages.append(
            Passage(
                a.origin[start],
                a.origin[end - 1] + 1,
                b.origin[pos],
                b.origin[b_end - 1] + 1,
            )
        )
    share_a = sum(e - s for s, e in runs_a) / len(a.text)
    share_b = sum(e - s for s, e in runs_b) / len(b.text)
    if same:
        share_a = share_b = 1.0
    return PairMeasure(share_a, share_b, same, tuple(passages))


@dataclass(frozen=True)
class SimilarPair:
    a: Hashable
    b: Hashable
    kind: str  # "same_text" | "near_copy" | "shared_passages"
    share_a: float
    share_b: float
    passages: tuple[Passage, ...]

    @property
    def overlap(self) -> float:
        """The larger share: how much of the more copied text is shared."""
        return max(self.share_a, self.share_b)


NEAR_COPY = 0.8


def find_similar(
    prints: Mapping[Hashable, Fingerprint],
    load: Callable[[Hashable], str],
    *,
    threshold: float = 0.30,
    new: Iterable[Hashable] | None = None,
    convert: Callable[[str], str] | None = None,
    common: int | None = None,
) -> list[SimilarPair]:
    """Pairs whose overlap (the larger share) reaches ``threshold``, most
    similar first. ``load(key)`` returns a text again for the exact measure, so
    the caller need not hold every text in memory."""
    found = find_candidates(prints, new=new, min_estimate=threshold / 2, common=common)
    pairs = []
    for c in found.candidates:
        m = measure_pair(
            load(c.a), load(c.b), boilerplate=found.boilerplate, convert=convert
        )
        overlap = max(m.share_a, m.share_b)
        if not m.same_text and overlap < threshold:
            continue
        kind = (
            "same_text"
            if m.same_text
            else "near_copy"
            if min(m.share_a, m.share_b) >= NEAR_COPY
            else "shared_passages"
        )
        pairs.append(SimilarPair(c.a, c.b, kind, m.share_a, m.share_b, m.passages))
    pairs.sort(key=lambda p: (-p.overlap, str(p.a), str(p.b)))
    return pairs
