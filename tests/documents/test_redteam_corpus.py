"""The red-team corpus (tests/fixtures/anonymity, made by Chromium, LibreOffice
and by hand; see tests/fixtures/src/make_anonymity_corpus.py): every planted
leak is reported high or absent from the review copy and the form fields; no
trap gets a high finding.

Pure path (inspect → review copy → scan); scripts/bench/anonymity.py runs the
same corpus through the real services and the database.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from judging.documents.inspection import inspect_document
from judging.documents.review_copy import make_review_copy
from judging.documents.scan import UnitIdentity, scan_document

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "anonymity"
CASES = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
CQU = UnitIdentity(
    name="重庆大学",
    short_name="重大",
    english_names=("Chongqing University",),
    abbreviations=("CQU",),
    domains=("cqu.edu.cn",),
)
OTHERS = [
    CQU,
    UnitIdentity(
        name="西南大学",
        short_name="西大",
        english_names=("Southwest University",),
        abbreviations=("SWU",),
        domains=("swu.edu.cn",),
    ),
    UnitIdentity(name="西南政法大学", short_name="西政"),
]
PEOPLE = ["张晓明", "李华"]
# The review copy on this branch keeps hyperlink targets and drawing
# descriptions, which the scanner does not read; the allowlisted copy
# (issue 10 §2) drops them. Strict: these start passing when it lands.
# Leaks the review copy does not drop yet (strict: the day one is dropped, the
# test says so). Empty since the copy is built from an allowlist.
NOT_YET_DROPPED: dict[str, str] = {}


def _received(copy: bytes, kind: str, fields: dict[str, str]) -> str:
    found = list(fields.values())
    if kind == "docx":
        with zipfile.ZipFile(io.BytesIO(copy)) as archive:
            found += [
                archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
            ]
    else:
        found.append(copy.decode("latin-1"))
        found += [p.extract_text() or "" for p in PdfReader(io.BytesIO(copy)).pages]
    return "\n".join(found)


def _run(case: dict) -> tuple[list, bool]:
    data = (CORPUS / case["file"]).read_bytes()
    kind = case["file"].rsplit(".", 1)[1]
    copy = make_review_copy(data, kind=kind)
    document = inspect_document(copy, max_bytes=10**8)
    fields = case.get("fields", {})
    findings = scan_document(
        document, unit=CQU, people=PEOPLE, other_units=OTHERS
    ) + scan_document(
        [(k, v) for k, v in fields.items()],
        unit=CQU,
        people=PEOPLE,
        other_units=OTHERS,
    )
    text = _received(copy, kind, fields)
    squashed = "".join(text.split())
    present = any(p in text or "".join(p.split()) in squashed for p in case["planted"])
    return findings, present


def _param(case: dict):  # noqa: ANN202
    marks = []
    if case["name"] in NOT_YET_DROPPED:
        marks.append(
            pytest.mark.xfail(reason=NOT_YET_DROPPED[case["name"]], strict=True)
        )
    return pytest.param(case, id=case["name"], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES if c["kind"] == "leak"])
def test_planted_leak_reported_high_or_absent(case: dict) -> None:
    findings, present = _run(case)
    reported = any(f.severity == "high" for f in findings)
    assert reported or not present


@pytest.mark.parametrize("case", [_param(c) for c in CASES if c["kind"] == "trap"])
def test_trap_gets_no_high_finding(case: dict) -> None:
    findings, _present = _run(case)
    assert [f for f in findings if f.severity == "high"] == []


def test_corpus_covers_every_leak_place_and_both_producers() -> None:
    places = {c["place"] for c in CASES if c["kind"] == "leak"}
    producers = {c["producer"] for c in CASES}
    assert places >= {
        "title", "abstract", "keywords", "body", "header_footer", "footnote",
        "comment", "tracked_change", "metadata", "link", "image",
    }  # fmt: skip
    assert producers == {"chromium", "libreoffice", "hand-edited", "form"}
    assert sum(c["kind"] == "trap" for c in CASES) >= 5
