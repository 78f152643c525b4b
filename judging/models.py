"""Every capability's models, imported together so the metadata is complete."""

from judging.accounts.models import Judge, LoginAttempt, Role, Unit, User
from judging.anonymity.models import Finding
from judging.assignment.models import Assignment, Conflict
from judging.audit.models import AuditEvent
from judging.certificates.models import Certificate
from judging.competitions.models import (
    AwardTier,
    Competition,
    Criterion,
    EligibleUnit,
    Extension,
)
from judging.jobs import Job
from judging.messages.models import Message, MessageTemplate
from judging.originality.models import EntryText, SimilarPair
from judging.publication.models import Correction, Objection, Publicity
from judging.results.models import AwardOverride, Result
from judging.review.models import Review, Score
from judging.rounds.models import DefenseScore, Round, RoundEntry, RoundJudge
from judging.submissions.models import Attachment, Author, Entry, StoredFile

__all__ = [
    "Assignment",
    "Attachment",
    "AuditEvent",
    "AwardOverride",
    "Author",
    "AwardTier",
    "Certificate",
    "Competition",
    "Conflict",
    "Correction",
    "Criterion",
    "DefenseScore",
    "EligibleUnit",
    "Entry",
    "EntryText",
    "Extension",
    "Finding",
    "Job",
    "Judge",
    "LoginAttempt",
    "Message",
    "MessageTemplate",
    "Objection",
    "Publicity",
    "Result",
    "Review",
    "Role",
    "Round",
    "RoundEntry",
    "RoundJudge",
    "Unit",
    "SimilarPair",
    "Score",
    "StoredFile",
    "User",
]
