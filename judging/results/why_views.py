"""The "why this score" page of the results blueprint: one entry's reviews, each
judge's estimated severity and scale, the adjustment and every method's score.

Organisers only (judges never see another judge's marks, nor an entry's unit).
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from judging.auth import organiser_required
from judging.results import explain, service, why
from judging.results.views import _competition, _entry, _said, bp


@bp.route("/competitions/<int:competition_id>/results/entries/<int:entry_id>")
@organiser_required
def why_score(competition_id: int, entry_id: int):
    c = _competition(competition_id)
    story = why.entry_story(c, _entry(c, entry_id))
    said = []
    if story.row is not None and story.plain is not None:
        said.append(
            explain.entry_score(
                method=_(service.METHOD_LABELS.get(story.method, story.method)),
                score=story.row.score,
                low=story.row.low,
                high=story.row.high,
                n=len(story.reviews),
                plain=story.plain,
            )
        )
        calibrated = story.scores.get("calibrated")
        if calibrated is not None:
            said.append(explain.adjustment(calibrated, story.plain))
    return render_template(
        "results/why.html",
        c=c,
        story=story,
        said=[_said(x) for x in said],
        notes=[explain.render(r.said, _) if r.said else "" for r in story.reviews],
        methods=service.METHOD_LABELS,
    )
