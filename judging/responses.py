"""File responses: always attachments, never cached, names safe in any browser."""

from __future__ import annotations

from io import BytesIO

from flask import Response, send_file

from judging.escaping import path_segment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str, mimetype: str) -> Response:
    """Send bytes as a download (attachment, no-store) under a UTF-8 file name."""
    response = send_file(
        BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=path_segment(filename, fallback="download"),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def xlsx_download(data: bytes, filename: str) -> Response:
    return download(data, filename, XLSX)


def pdf_download(data: bytes, filename: str) -> Response:
    return download(data, filename, "application/pdf")
