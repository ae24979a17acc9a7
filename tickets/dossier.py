"""The appeal dossier: one ZIP with everything a merchant needs to complain elsewhere.

It holds an index (index.html and index.txt, in the reader's language) with the case summary,
the checklist, the provider's answers, the ticket's timeline and public conversation, and every
evidence file with its SHA-256. Whoever downloads it, it contains only what the merchant may
see: internal notes and staff-only events never go in.

The ZIP is written while it is sent: files are copied from storage in chunks into a ZIP that
writes to a pipe the response drains, so memory stays flat however large the evidence is.
The rows are read before the response starts; only file bytes are read while streaming.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from tickets.models import (
    AppealCase,
    AppealDecision,
    AppealMaterial,
    AppealStatus,
    Attachment,
    Comment,
    MaterialKind,
    TicketEvent,
)
from tickets.services.appeals import ChecklistItem, appeal_checklist

CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class DossierFile:
    """One evidence file as it appears in the ZIP."""

    path: str
    attachment: Attachment
    material: str  # the checklist item's label, or "" for other ticket evidence

    @property
    def sha256(self) -> str:
        return self.attachment.sha256


@dataclass(frozen=True)
class Dossier:
    case: AppealCase
    checklist: list[ChecklistItem]
    decisions: list[AppealDecision]
    events: list[TicketEvent]
    comments: list[Comment]
    files: list[DossierFile]
    generated_at: datetime
    language: str

    @property
    def filename(self) -> str:
        return f"{self.case.ticket.reference}-appeal-dossier.zip"


def dossier_build(case: AppealCase, *, language: str) -> Dossier:
    """Read everything the dossier holds (a fixed number of queries)."""
    ticket = case.ticket
    materials = list(
        AppealMaterial.objects.filter(case=case)
        .select_related("attachment")
        .order_by("added_at", "pk")
    )
    decisions = list(case.decisions.select_related("decided_by").order_by("attempt"))
    events = list(
        TicketEvent.objects.filter(ticket=ticket, internal=False)
        .select_related("actor")
        .order_by("at", "pk")
    )
    comments = list(
        Comment.objects.filter(ticket=ticket, internal=False)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    attachments = list(
        Attachment.objects.filter(ticket=ticket).select_related("uploaded_by").order_by("pk")
    )
    with override(language):
        checklist = appeal_checklist(case, materials=materials, decisions=decisions)
        files = _files(materials, attachments)
    return Dossier(
        case=case,
        checklist=checklist,
        decisions=decisions,
        events=events,
        comments=comments,
        files=files,
        generated_at=timezone.now(),
        language=language,
    )


def _files(materials: list[AppealMaterial], attachments: list[Attachment]) -> list[DossierFile]:
    """Materials under materials/<kind>/, the rest of the ticket's evidence under evidence/.

    Names are the cleaned display names (tickets.evidence.safe_name), numbered so they never
    collide.
    """
    kind_of = {m.attachment_id: m.kind for m in materials}
    files = []
    for number, attachment in enumerate(attachments, start=1):
        kind = kind_of.get(attachment.pk)
        folder = f"materials/{kind}" if kind else "evidence"
        files.append(
            DossierFile(
                path=f"{folder}/{number:03d}-{attachment.original_name}",
                attachment=attachment,
                material=str(MaterialKind(kind).label) if kind else "",
            )
        )
    return files


def dossier_index(dossier: Dossier, *, damaged: frozenset[str] = frozenset()) -> tuple[str, str]:
    """The index as HTML and as plain text, in the dossier's language.

    `damaged` holds the paths of files whose bytes no longer match their recorded checksum.
    """
    context = {
        "dossier": dossier,
        "case": dossier.case,
        "ticket": dossier.case.ticket,
        "rows": [(event, event_summary(event)) for event in dossier.events],
        "damaged": damaged,
    }
    with override(dossier.language):
        html = render_to_string("tickets/appeal/dossier_index.html", context)
        text = render_to_string("tickets/appeal/dossier_index.txt", context)
    return html, text


def dossier_stream(dossier: Dossier) -> Iterator[bytes]:
    """The ZIP, chunk by chunk: the evidence first, then the index that lists it.

    Each file's SHA-256 is checked while it is copied; the index, written last, flags any
    file whose stored bytes no longer match the checksum recorded at upload.
    """
    pipe = _Pipe()
    damaged: set[str] = set()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in dossier.files:
            digest = hashlib.sha256()
            yield from _copy_into(archive, entry, pipe, digest)
            if digest.hexdigest() != entry.sha256:
                damaged.add(entry.path)
        html, text = dossier_index(dossier, damaged=frozenset(damaged))
        archive.writestr("index.html", html.encode())
        archive.writestr("index.txt", text.encode())
        yield from pipe.drain()
    yield from pipe.drain()


def _copy_into(
    archive: zipfile.ZipFile, entry: DossierFile, pipe: _Pipe, digest: Any
) -> Iterator[bytes]:
    info = zipfile.ZipInfo(entry.path, date_time=_zip_time(entry.attachment.created_at))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = entry.attachment.size
    with entry.attachment.file.open("rb") as source, archive.open(info, mode="w") as target:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            target.write(chunk)
            yield from pipe.drain()


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


class _Pipe(io.RawIOBase):
    """A write-only stream that keeps what was written until drained.

    It cannot seek, so zipfile writes data descriptors after each entry instead of going back.
    """

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        return len(chunk)

    def drain(self) -> Iterator[bytes]:
        chunks, self._chunks = self._chunks, []
        yield from chunks


# --- How appeal events read on a timeline ----------------------------------------------------


def event_summary(event: TicketEvent) -> str:
    """One line saying what an appeal event did; other kinds keep their reason."""
    if event.kind != TicketEvent.Kind.APPEAL:
        return event.reason
    data = event.data or {}
    describe = _APPEAL_ACTIONS.get(data.get("action", ""))
    return describe(data) if describe else event.reason


_APPEAL_ACTIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "opened": lambda data: _("Appeal case opened."),
    "material_added": lambda data: (
        _("Material added: %(kind)s.") % {"kind": _material_label(data.get("kind", ""))}
    ),
    "explanation_set": lambda data: _("Written explanation updated."),
    "submitted": lambda data: (
        _("Appeal submitted (attempt %(n)s).") % {"n": data.get("attempt", "?")}
    ),
    "decided": lambda data: (
        _("Provider's decision on attempt %(n)s: %(decision)s.")
        % {"n": data.get("attempt", "?"), "decision": _status_label(data.get("to", ""))}
    ),
    "withdrawn": lambda data: _("Appeal withdrawn."),
    "staff_note": lambda data: _("Staff note on the appeal."),
}


def _material_label(kind: str) -> str:
    try:
        return str(MaterialKind(kind).label)
    except ValueError:
        return kind


def _status_label(status: str) -> str:
    try:
        return str(AppealStatus(status).label)
    except ValueError:
        return status
