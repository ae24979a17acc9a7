"""CSV import and update of terminals and spares.

One row per terminal, matched by serial number: a new serial creates the terminal, a known
one updates it, an identical one is left alone, so importing a file twice changes nothing
the second time. `import_preview` reads and checks the file and writes nothing;
`import_apply` checks it again inside one transaction and writes every row or, if any row
is wrong, none.

Columns (header row required, order free): serial_number, provider (code), manufacturer,
model, firmware_version, connectivity, and either merchant_mid (an installed terminal) or
depot (code; a spare). Optional: tid, sim_iccid, installed_address, tested_on (YYYY-MM-DD,
a passed functional test that day).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Merchant, Provider, User
from terminals.models import Connectivity, Depot, Terminal, TerminalEvent, TerminalModel
from terminals.services import allocation_serve_waiting

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
REQUIRED = (
    "serial_number",
    "provider",
    "manufacturer",
    "model",
    "firmware_version",
    "connectivity",
)
OPTIONAL = ("merchant_mid", "depot", "tid", "sim_iccid", "installed_address", "tested_on")
COLUMNS = REQUIRED + OPTIONAL
# What an update may change, in the order a preview lists the changes.
FIELDS = (
    "provider",
    "merchant",
    "depot",
    "model",
    "firmware_version",
    "connectivity",
    "tid",
    "sim_iccid",
    "installed_address",
    "tested_at",
    "test_passed",
)


@dataclass
class RowResult:
    line: int
    serial_number: str
    action: str = "unchanged"  # create | update | unchanged | error
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class ImportPreview:
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def summary(self) -> dict[str, int]:
        return {action: self.count(action) for action in ("create", "update", "unchanged", "error")}

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]


def decode(content: bytes, filename: str) -> tuple[str, list[str]]:
    """The file's text, or why it is not a CSV file we can read."""
    if not filename.lower().endswith(".csv"):
        return "", [_("Upload a .csv file.")]
    if len(content) > MAX_BYTES:
        return "", [_("The file is larger than 2 MB; split it.")]
    if b"\x00" in content:
        return "", [_("This is not a text (CSV) file.")]
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return content.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return "", [_("The file is neither UTF-8 nor GBK text.")]


def import_preview(*, content: bytes, filename: str) -> ImportPreview:
    """Check every row and say what importing would do. Writes nothing."""
    text, errors = decode(content, filename)
    if errors:
        return ImportPreview(file_errors=errors)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return ImportPreview(
            file_errors=[_("Missing columns: %(names)s.") % {"names": ", ".join(missing)}]
        )
    reader.fieldnames = header
    raw: list[tuple[int, dict[str, str]]] = []
    for record in reader:
        if len(raw) >= MAX_ROWS:
            return ImportPreview(file_errors=[_("More than 5000 rows; split the file.")])
        raw.append((reader.line_num, {k: (v or "").strip() for k, v in record.items() if k}))
    if not raw:
        return ImportPreview(file_errors=[_("The file has no rows.")])
    return ImportPreview(rows=_Checker(raw).check())


class _Checker:
    """Looks up everything the rows name in a handful of queries, then checks row by row."""

    def __init__(self, raw: list[tuple[int, dict[str, str]]]) -> None:
        self.raw = raw
        column = lambda name: {r[name] for _l, r in raw if r.get(name)}  # noqa: E731
        self.providers = {p.code: p for p in Provider.objects.filter(code__in=column("provider"))}
        self.depots = {d.code: d for d in Depot.objects.filter(code__in=column("depot"))}
        self.merchants = {m.mid: m for m in Merchant.objects.filter(mid__in=column("merchant_mid"))}
        self.models = {
            (m.manufacturer.lower(), m.name.lower()): m for m in TerminalModel.objects.all()
        }
        self.existing = {
            t.serial_number: t
            for t in Terminal.objects.filter(serial_number__in=column("serial_number"))
        }
        self.taken_tids = set(
            Terminal.objects.filter(tid__in=column("tid")).values_list("provider_id", "tid", "pk")
        )
        self.taken_sims = dict(
            Terminal.objects.filter(sim_iccid__in=column("sim_iccid")).values_list(
                "sim_iccid", "pk"
            )
        )
        self.seen: dict[str, set[Any]] = {"serial": set(), "tid": set(), "sim": set()}

    def check(self) -> list[RowResult]:
        return [self.check_row(line, record) for line, record in self.raw]

    def check_row(self, line: int, r: dict[str, str]) -> RowResult:
        result = RowResult(line=line, serial_number=r.get("serial_number", ""))
        errors = result.errors
        for name in REQUIRED:
            if not r.get(name):
                errors.append(_("%(column)s is empty.") % {"column": name})
        if errors:
            result.action = "error"
            return result
        values = self._values(r, errors)
        current = self.existing.get(r["serial_number"])
        self._check_unique(r, values, current, errors)
        if current is not None:
            self._check_same_kind(current, values, errors)
        if not errors:
            self._validate(values, current, errors)
        if errors:
            result.action = "error"
            return result
        result.values = values
        if current is None:
            result.action = "create"
        else:
            result.changes = _changes(current, values)
            result.action = "update" if result.changes else "unchanged"
        return result

    def _values(self, r: dict[str, str], errors: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "firmware_version": r["firmware_version"],
            "connectivity": r["connectivity"].lower(),
            "tid": r.get("tid", "").upper() or None,
            "sim_iccid": r.get("sim_iccid", ""),
            "installed_address": r.get("installed_address", ""),
            "merchant": None,
            "depot": None,
        }
        values["provider"] = self.providers.get(r["provider"])
        if values["provider"] is None:
            errors.append(_("No provider has the code %(code)s.") % {"code": r["provider"]})
        values["model"] = self.models.get((r["manufacturer"].lower(), r["model"].lower()))
        if values["model"] is None:
            errors.append(
                _("No terminal model %(maker)s %(model)s is registered.")
                % {"maker": r["manufacturer"], "model": r["model"]}
            )
        if values["connectivity"] not in Connectivity.values:
            errors.append(
                _("Connectivity must be one of %(choices)s.")
                % {"choices": ", ".join(Connectivity.values)}
            )
        elif values["model"] and not values["model"].supports(values["connectivity"]):
            errors.append(
                _("%(model)s has no %(connectivity)s.")
                % {
                    "model": values["model"],
                    "connectivity": Connectivity(values["connectivity"]).label,
                }
            )
        self._place(r, values, errors)
        self._tested(r, values, errors)
        return values

    def _place(self, r: dict[str, str], values: dict[str, Any], errors: list[str]) -> None:
        mid, depot = r.get("merchant_mid", ""), r.get("depot", "")
        if bool(mid) == bool(depot):
            errors.append(_("Give either merchant_mid (installed) or depot (spare), not both."))
            return
        values["is_spare"] = bool(depot)
        if depot:
            values["depot"] = self.depots.get(depot)
            if values["depot"] is None:
                errors.append(_("No depot has the code %(code)s.") % {"code": depot})
            return
        values["merchant"] = self.merchants.get(mid)
        if values["merchant"] is None:
            errors.append(_("No merchant has the MID %(mid)s.") % {"mid": mid})
        elif values["provider"] and values["merchant"].provider_id != values["provider"].pk:
            errors.append(_("Merchant %(mid)s is served by another provider.") % {"mid": mid})

    def _tested(self, r: dict[str, str], values: dict[str, Any], errors: list[str]) -> None:
        raw = r.get("tested_on", "")
        if not raw:
            return
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            errors.append(
                _("tested_on must be a date like 2026-03-01, not %(value)s.") % {"value": raw}
            )
            return
        if day > timezone.localdate():
            errors.append(_("tested_on %(value)s is in the future.") % {"value": raw})
            return
        values["tested_at"] = timezone.make_aware(datetime.combine(day, time(12, 0)))
        values["test_passed"] = True

    def _check_unique(
        self, r: dict[str, str], values: dict[str, Any], current: Terminal | None, errors: list[str]
    ) -> None:
        own_pk = current.pk if current else None
        if r["serial_number"] in self.seen["serial"]:
            errors.append(_("This serial number appears twice in the file."))
        self.seen["serial"].add(r["serial_number"])
        provider = values.get("provider")
        if values["tid"] and provider:
            key = (provider.pk, values["tid"])
            clash = any(
                p == key[0] and t == key[1] and pk != own_pk for p, t, pk in self.taken_tids
            )
            if clash or key in self.seen["tid"]:
                errors.append(
                    _("TID %(tid)s is already used by another terminal of this provider.")
                    % {"tid": values["tid"]}
                )
            self.seen["tid"].add(key)
        sim = values["sim_iccid"]
        if sim:
            if self.taken_sims.get(sim, own_pk) != own_pk or sim in self.seen["sim"]:
                errors.append(_("SIM %(iccid)s is in another terminal.") % {"iccid": sim})
            self.seen["sim"].add(sim)

    def _check_same_kind(
        self, current: Terminal, values: dict[str, Any], errors: list[str]
    ) -> None:
        if "is_spare" in values and current.is_spare != values["is_spare"]:
            errors.append(
                _(
                    "In the registry this is a spare; the file puts it at a merchant (or the other way round). Change that by hand."
                )
                if current.is_spare
                else _(
                    "In the registry this is installed at a merchant; the file puts it in a depot. Change that by hand."
                )
            )
        if values.get("provider") and current.provider_id != values["provider"].pk:
            errors.append(_("This terminal belongs to another provider in the registry."))

    def _validate(
        self, values: dict[str, Any], current: Terminal | None, errors: list[str]
    ) -> None:
        candidate = Terminal(
            serial_number="x", status=Terminal.Status.IN_STOCK, **_model_values(values)
        )
        try:
            candidate.full_clean(
                exclude=["serial_number"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                label = name if name in COLUMNS else ""
                errors.extend(f"{label}: {m}" if label else m for m in messages)


def _model_values(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in FIELDS if name in values} | {
        "is_spare": values.get("is_spare", False)
    }


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).date().isoformat()
    return str(value)


def _changes(current: Terminal, values: dict[str, Any]) -> dict[str, tuple[str, str]]:
    changes = {}
    for name in FIELDS:
        if name not in values:
            continue
        before = getattr(current, name)
        if before != values[name]:
            changes[name] = (_shown(before), _shown(values[name]))
    return changes


@transaction.atomic
def import_apply(*, content: bytes, filename: str, actor: User | None) -> ImportPreview:
    """Check the file again and write all of it, or nothing if any row is wrong.

    Spares that became ready serve the waiting line before the transaction ends.
    """
    preview = import_preview(content=content, filename=filename)
    if not preview.ok:
        return preview
    for row in preview.rows:
        if row.action == "create":
            _create(row, actor)
        elif row.action == "update":
            _update(row, actor)
    allocation_serve_waiting(actor=actor)
    preview.applied = True
    return preview


def _create(row: RowResult, actor: User | None) -> None:
    values = _model_values(row.values)
    status = Terminal.Status.IN_STOCK if values["is_spare"] else Terminal.Status.ACTIVE
    terminal = Terminal.objects.create(serial_number=row.serial_number, status=status, **values)
    TerminalEvent.objects.create(
        terminal=terminal,
        actor=actor,
        kind=TerminalEvent.Kind.REGISTERED,
        to_status=status,
        reason=_("Imported from a CSV file."),
    )


def _update(row: RowResult, actor: User | None) -> None:
    terminal = Terminal.objects.select_for_update().get(serial_number=row.serial_number)
    for name in row.changes:
        setattr(terminal, name, row.values[name])
    terminal.save(update_fields=[*row.changes, "updated_at"])
    described = "; ".join(
        f"{name}: {old or '—'} → {new or '—'}" for name, (old, new) in row.changes.items()
    )
    TerminalEvent.objects.create(
        terminal=terminal, actor=actor, kind=TerminalEvent.Kind.IMPORTED, reason=described
    )
