"""A full disk: a clear Chinese message, no entry, no temporary file left."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from judging.extensions import db
from judging.storage import LocalStorage
from judging.submissions.models import Entry, StoredFile
from tests.conftest import csrf_token
from tests.submissions.conftest import entry_form, fixture_bytes


@pytest.fixture()
def small_disk(app, tmp_path: Path):  # noqa: ANN001, ANN201
    """A real file system of 64 KiB (tmpfs) as the upload folder."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root: " + mounted.stderr.decode())
    app.config["UPLOAD_FOLDER"] = str(folder)
    app.extensions["judging_storage"] = LocalStorage(folder)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def _files_in(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
    )


def test_upload_to_full_disk_says_so_and_keeps_nothing(
    unit_client, make_competition, small_disk
):
    competition = make_competition()
    url = f"/unit/competitions/{competition.id}/entries/new"
    token = csrf_token(unit_client, url)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (60 * 1024))  # leave less than the essay needs
    essay = fixture_bytes("clean.docx")
    assert len(essay) > 4 * 1024

    response = unit_client.post(
        url,
        data=entry_form(token, file=(essay, "论文.docx")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 507
    assert "服务器存储空间已满，文件未能保存" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Entry.id))) == 0
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    assert [n for n in _files_in(small_disk) if n != ".lock"] == ["filler"]
