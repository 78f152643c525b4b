"""The `certificates` command: issue, print with a progress bar, refuse early."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from judging.accounts.models import Role
from judging.certificates.models import Certificate
from judging.competitions.models import Phase
from judging.extensions import db


def test_certificates_command_writes_pdf_and_zip(runner, finalised, tmp_path: Path):
    competition = finalised()
    pdf, archive = tmp_path / "certs.pdf", tmp_path / "certs.zip"

    result = runner.invoke(
        args=[
            "certificates",
            str(competition.id),
            "--out",
            str(pdf),
            "--zip",
            str(archive),
            "--base-url",
            "https://zhengwen.example.edu.cn",
        ]
    )

    serials = db.session.scalars(select(Certificate.serial)).all()
    assert result.exit_code == 0, result.output
    assert "新颁发 3 张证书。" in result.output
    assert len(PdfReader(io.BytesIO(pdf.read_bytes())).pages) == 3
    names = zipfile.ZipFile(archive).namelist()
    assert sorted(n[:19] for n in names) == sorted(serials)


def test_certificates_command_refuses_before_finalised(
    runner, finalised, tmp_path: Path
):
    competition = finalised(Phase.REVIEWING)
    pdf = tmp_path / "certs.pdf"

    result = runner.invoke(
        args=["certificates", str(competition.id), "--out", str(pdf)]
    )

    assert result.exit_code == 1
    assert "评审结果定稿后才能颁发和打印荣誉证书。" in result.output
    assert not pdf.exists()


def test_certificates_command_refuses_missing_glyphs(
    runner, finalised, make_entry, make_user, tmp_path: Path
):
    competition = finalised()
    make_entry(competition, make_user(Role.UNIT).unit, title="论\U0002a6a5")
    pdf = tmp_path / "certs.pdf"

    result = runner.invoke(
        args=["certificates", str(competition.id), "--out", str(pdf)]
    )

    assert result.exit_code == 1
    assert "作品题目“\U0002a6a5”" in result.output
    assert not pdf.exists()
    assert db.session.scalars(select(Certificate)).all() == []
