"""The evidence pack: what a team or an outside party needs to act on a ticket, in one place.

Assembled automatically when a ticket is escalated and stored on the escalation as JSON, so
it says what was known *then*, whatever changes later. Version 1 has these keys:

    version, built_at, ticket {reference, opened_at},
    merchant {name, mid, address, region},
    terminal {serial_number, tid, model, manufacturer, firmware_version, connectivity,
              sim_iccid, installed_address},
    error {code, scheme, meaning_en, meaning_zh, screen_message},
    screen_photos [{id, name}], first_seen_at, cards ("all" | "some" | None),
    steps {power_ok, network_ok, restarted, signed_on}  (None: not answered),
    other_terminals_affected, moved_recently, last_good_txn_at,
    triage {cause, priority, rule, reason_en, reason_zh}

Times are ISO 8601 in the provider's time zone. Enumerations are stored as their values;
`render_evidence_pack_text` turns the pack into plain text (for an e-mail to an outside
party) in the active language. The merchant's free-text description is left out on purpose:
the pack leaves the provider, and only the facts above are needed.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import Region
from terminals.models import Connectivity
from tickets import triage
from tickets.models import Attachment, Cause, Priority, Report, Scheme, Ticket

PACK_VERSION = 1


def _iso(moment: datetime | None, tz: tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment else None


def _cards(all_cards_fail: bool | None) -> str | None:
    return {True: "all", False: "some"}.get(all_cards_fail)  # type: ignore[arg-type]


def build_evidence_pack(ticket: Ticket) -> dict[str, Any]:
    """The pack for `ticket` as it stands now (JSON-ready)."""
    tz = ZoneInfo(ticket.provider.calendar.timezone)
    report = Report.objects.filter(ticket=ticket).first()
    merchant, terminal = ticket.merchant, ticket.terminal
    return {
        "version": PACK_VERSION,
        "built_at": _iso(timezone.now(), tz),
        "ticket": {"reference": ticket.reference, "opened_at": _iso(ticket.created_at, tz)},
        "merchant": {
            "name": merchant.name,
            "mid": merchant.mid,
            "address": merchant.registered_address,
            "region": merchant.region,
        },
        "terminal": {
            "serial_number": terminal.serial_number,
            "tid": terminal.tid or "",
            "model": terminal.model.name,
            "manufacturer": terminal.model.manufacturer,
            "firmware_version": terminal.firmware_version,
            "connectivity": terminal.connectivity,
            "sim_iccid": terminal.sim_iccid,
            "installed_address": terminal.installed_address,
        },
        **_report_part(report, tz),
        "screen_photos": _screen_photos(ticket, report),
        "last_good_txn_at": _iso(terminal.last_good_txn_at, tz),
        "triage": {
            "cause": ticket.cause,
            "priority": ticket.priority,
            "rule": ticket.triage_rule,
            "reason_en": _in_language("en", ticket),
            "reason_zh": _in_language("zh-hans", ticket),
        },
    }


def _in_language(language: str, ticket: Ticket) -> str:
    with translation.override(language):
        return triage.reason_for(ticket.triage_rule, default=ticket.triage_reason)


def _report_part(report: Report | None, tz: tzinfo) -> dict[str, Any]:
    """What the merchant answered in the guided report (all empty without one)."""
    if report is None:
        report = Report()
    facts = triage.facts_from_report(report) if report.error_code else None
    return {
        "error": {
            "code": report.error_code,
            "scheme": facts.scheme if facts else report.scheme,
            "meaning_en": triage.code_meaning(facts, "en") if facts else "",
            "meaning_zh": triage.code_meaning(facts, "zh-hans") if facts else "",
            "screen_message": report.screen_message,
        },
        "first_seen_at": _iso(report.first_seen_at, tz),
        "cards": _cards(report.all_cards_fail),
        "steps": {
            "power_ok": report.power_ok,
            "network_ok": report.network_ok,
            "restarted": report.restarted,
            "signed_on": report.signed_on,
        },
        "other_terminals_affected": report.other_terminals_affected,
        "moved_recently": report.moved_recently,
    }


def _screen_photos(ticket: Ticket, report: Report | None) -> list[dict[str, Any]]:
    owned = Q(ticket=ticket) | Q(report=report) if report else Q(ticket=ticket)
    photos = Attachment.objects.filter(owned, kind=Attachment.Kind.SCREEN_PHOTO).order_by("pk")
    return [{"id": pk, "name": name} for pk, name in photos.values_list("pk", "original_name")]


# --- Plain text ------------------------------------------------------------------------------


def _label(choices: Any, value: str | None) -> str:
    try:
        return str(choices(value).label) if value else ""
    except ValueError:
        return value or ""


def _when(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M %z") if value else ""


def render_evidence_pack_text(pack: dict[str, Any]) -> str:
    """The pack as plain text in the active language, for an e-mail to an outside party."""
    if not pack:
        return ""
    language = translation.get_language() or "en"
    error, triage_part = pack["error"], pack["triage"]
    context = {
        "pack": pack,
        "region": _label(Region, pack["merchant"]["region"]),
        "connectivity": _label(Connectivity, pack["terminal"]["connectivity"]),
        "scheme": _label(Scheme, error["scheme"]),
        "meaning": error["meaning_zh"] if language.startswith("zh") else error["meaning_en"],
        "cause": _label(Cause, triage_part["cause"]),
        "priority": _label(Priority, triage_part["priority"]),
        "triage_reason": (
            triage_part["reason_zh"] if language.startswith("zh") else triage_part["reason_en"]
        ),
        "opened_at": _when(pack["ticket"]["opened_at"]),
        "first_seen_at": _when(pack["first_seen_at"]),
        "last_good_txn_at": _when(pack["last_good_txn_at"]),
        "built_at": _when(pack["built_at"]),
    }
    return render_to_string("tickets/work/evidence_pack.txt", context).strip() + "\n"
