"""File responses: always attachments, never cached, names safe in any browser;
and the JSON that progress bars poll."""

from __future__ import annotations

from io import BytesIO

from flask import Response, jsonify, send_file
from flask_babel import gettext as _

from judging.escaping import path_segment
from judging.i18n import say

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


def job_progress(job, *, done_url: str) -> Response:  # noqa: ANN001 (jobs.JobStatus)
    """What static/progress.js polls: state, done/total, the message (the error
    when the job failed) in the reader's language and, once done, where to go.
    Never cached."""
    if job is None:  # nothing started yet
        response = jsonify(state="none", done=0, total=0, message="")
    else:
        response = jsonify(
            state=job.state,
            done=job.done,
            total=job.total,
            message=say(job.error if job.state == "failed" else job.message, _),
            download_url=done_url if job.finished else None,
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def job_download(job, *, mimetype: str) -> Response:  # noqa: ANN001 (jobs.JobStatus)
    """The file a finished background job saved, streamed under the name it was
    started with; 404 while it runs, and once removed after JOBS_KEEP_HOURS."""
    from flask import abort

    from judging import storage

    if not job.finished or not job.result:
        abort(404)
    try:
        stream = storage.get_storage().open(job.result["file"])
    except (OSError, storage.StorageError):
        abort(404)
    return storage.stream_download(
        stream, filename=job.params.get("filename", ""), mimetype=mimetype
    )

