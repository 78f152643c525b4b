"""Helpers for submission tests: real fixture files and a form to post them."""

from __future__ import annotations

import io
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def entry_form(token: str, *, file: tuple[bytes, str] | None = None, **fields) -> dict:
    data = {
        "csrf_token": token,
        "title": "新时代产业工人队伍建设改革的实践路径",
        "category": "调研报告",
        "authors-0-name": "张晓明",
        "authors-0-department": "经济与管理学院",
        "authors-0-email": "zxm@example.cn",
        "authors-1-name": "刘洋",
        "advisor": "李华",
        "abstract": "摘要",
        "keywords": "产业工人; 技能形成",
    }
    data.update(fields)
    if file is not None:
        data["file"] = (io.BytesIO(file[0]), file[1])
    return data
