"""Load the demo: two providers, their merchants and terminals, a spare pool and a few tickets.

Safe to run any number of times. Reference data (calendar, providers, merchants, terminal
models, depots, users) is reset to the tables below by natural key; terminals and tickets are
created once and then left to the demo, so re-running never undoes what was done with them.
Demo users get their password reset to `demo-pass` on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal.models import BusinessCalendar, Merchant, Provider, Region, Role, User
from terminals.demo import seed_pool
from terminals.models import Connectivity, Depot, Terminal, TerminalEvent, TerminalModel
from terminals.services import terminal_set_status
from tickets.models import Action, AppealCase, Cause, EngineerVisit, Escalation, Priority, Ticket
from tickets.models import Status as TicketStatus
from tickets.services import (
    appeal_add_material,
    appeal_decide,
    appeal_open,
    appeal_set_explanation,
    appeal_submit,
    escalate,
    ticket_create,
    ticket_transition,
    visit_dispatch,
)

DEMO_PASSWORD = "demo-pass"  # noqa: S105 - the published demo password

ETH, WIFI, CELL, DIAL = (c.value for c in Connectivity)
S = Terminal.Status

PROVIDERS = [
    # code, name, kind, hotline, support e-mail, TID prefix (4 digits)
    ("yinhe-pay", "银河支付", Provider.Kind.ACQUIRER, "400-820-9588", "support@yinhe-pay.example", "6120"),
    ("northstar", "北辰服务商", Provider.Kind.AGENT, "400-690-3366", "service@northstar-pos.example", "7350"),
]  # fmt: skip

TERMINAL_MODELS = {
    # key: manufacturer, model, family, approved firmware, ethernet, wifi, cellular, dial-up, SN prefix
    "a920": ("PAX", "A920 Pro", "PAX Android", "PayDroid 8.1 V11.1.12", False, True, True, False, "1850"),
    "s920": ("PAX", "S920", "PAX Prolin", "Prolin 2.4.122", False, True, True, False, "0821"),
    "v200c": ("Verifone", "V200c", "Verifone Engage", "VOS2 30410700", True, False, False, True, "401-"),
    "n910": ("Newland", "N910", "Newland Android", "NL-OS 7.1 V1.3.9", False, True, True, False, "N910"),
    "p2": ("Sunmi", "P2", "Sunmi Android", "SUNMI OS 2.7.4", False, True, True, False, "P2SM"),
    "move5000": ("Ingenico", "Move/5000", "Ingenico Tetra", "Tetra 11.16.04", False, True, True, False, "2190"),
    "desk5000": ("Ingenico", "Desk/5000", "Ingenico Tetra", "Tetra 11.16.04", True, True, False, True, "2180"),
}  # fmt: skip

DEPOTS = [
    # code, name, region, address
    ("sh-pudong", "上海浦东备机库", Region.EAST, "上海市浦东新区张江路 368 号 2 号楼"),
    ("bj-chaoyang", "北京朝阳备机库", Region.NORTH, "北京市朝阳区酒仙桥路 10 号 B 座"),
    ("sz-longgang", "深圳龙岗备机库", Region.SOUTH, "深圳市龙岗区坂田街道雪岗路 2018 号"),
]

MERCHANTS = [
    # MID (acquirer 3 + area 4 + MCC 4 + serial 4), name, USCC, MCC, address, region, status,
    # provider, contact
    ("898290054110001", "鲜丰水果 静安店", "91310106MA1FL3XK2N", "5411", "上海市静安区南京西路 1266 号 B1", Region.EAST, Merchant.Status.ACTIVE, "yinhe-pay", "王丽"),
    ("898584058120007", "Harbour Coffee Roasters", "91440300MA5G7QW81P", "5812", "深圳市南山区海德三道 88 号", Region.SOUTH, Merchant.Status.ACTIVE, "yinhe-pay", "Daniel Lam"),
    ("898100058120013", "老北京炸酱面馆", "92110101MA01NB7C3U", "5812", "北京市东城区鼓楼东大街 156 号", Region.NORTH, Merchant.Status.ACTIVE, "yinhe-pay", "赵建国"),
    ("898651059120004", "康宁大药房 春熙路店", "91510104MA6CU4R21G", "5912", "成都市锦江区春熙路 45 号", Region.SOUTHWEST, Merchant.Status.RESTRICTED, "yinhe-pay", "刘敏"),
    ("898331070110002", "西湖印象精品酒店", "91330106MA2H3B9L6C", "7011", "杭州市西湖区北山街 32 号", Region.EAST, Merchant.Status.ACTIVE, "northstar", "陈思远"),
    ("898581053110009", "Lotus Lane Department Store", "91440101MA5CKT4P9W", "5311", "广州市天河区天河路 208 号", Region.SOUTH, Merchant.Status.ACTIVE, "northstar", "Grace Ho"),
    ("898521059990021", "小城故事便利店", "92420106MA4K8RX532", "5999", "武汉市武昌区中北路 109 号", Region.CENTRAL, Merchant.Status.ACTIVE, "northstar", "周涛"),
    ("898221054620005", "Maple & Pine Bakery", "91210102MA0Y3FE728", "5462", "沈阳市和平区南京北街 87 号", Region.NORTHEAST, Merchant.Status.ACTIVE, "northstar", "Olivia Zhang"),
]  # fmt: skip

# Installed terminals per merchant MID: (model key, connectivity, status, firmware or "" = approved).
# SN = model prefix + the MID's last 4 digits + row number; TID = provider prefix + merchant
# number + row number; cellular terminals carry a SIM.
INSTALLED = {
    "898290054110001": [("a920", CELL, S.ACTIVE, ""), ("p2", WIFI, S.FAULTY, ""), ("a920", WIFI, S.ACTIVE, ""), ("v200c", ETH, S.ACTIVE, ""), ("s920", CELL, S.ACTIVE, "Prolin 2.4.101")],
    "898584058120007": [("p2", WIFI, S.ACTIVE, ""), ("p2", CELL, S.ACTIVE, ""), ("desk5000", ETH, S.ACTIVE, "")],
    "898100058120013": [("n910", CELL, S.ACTIVE, ""), ("n910", WIFI, S.ACTIVE, ""), ("v200c", DIAL, S.ACTIVE, ""), ("move5000", CELL, S.DORMANT, "")],
    "898651059120004": [("a920", CELL, S.ACTIVE, ""), ("desk5000", ETH, S.ACTIVE, ""), ("s920", CELL, S.ACTIVE, "")],
    "898331070110002": [("desk5000", ETH, S.ACTIVE, ""), ("desk5000", WIFI, S.ACTIVE, ""), ("move5000", CELL, S.ACTIVE, ""), ("move5000", WIFI, S.ACTIVE, "Tetra 11.12.00"), ("a920", CELL, S.ACTIVE, "")],
    "898581053110009": [("v200c", ETH, S.ACTIVE, ""), ("v200c", ETH, S.ACTIVE, ""), ("v200c", ETH, S.FAULTY, ""), ("a920", WIFI, S.ACTIVE, ""), ("a920", CELL, S.ACTIVE, ""), ("move5000", CELL, S.ACTIVE, "")],
    "898521059990021": [("s920", CELL, S.ACTIVE, ""), ("n910", CELL, S.ACTIVE, ""), ("p2", WIFI, S.ACTIVE, ""), ("p2", CELL, S.ACTIVE, "")],
    "898221054620005": [("n910", WIFI, S.ACTIVE, ""), ("desk5000", ETH, S.ACTIVE, ""), ("p2", CELL, S.ACTIVE, "")],
}  # fmt: skip

# Spares per depot: (provider, model key, connectivity, status, firmware or "" = approved).
SPARES = {
    "sh-pudong": [("yinhe-pay", "a920", CELL, S.IN_STOCK, ""), ("yinhe-pay", "a920", WIFI, S.IN_STOCK, ""), ("yinhe-pay", "p2", WIFI, S.IN_STOCK, ""), ("yinhe-pay", "v200c", ETH, S.IN_STOCK, ""), ("yinhe-pay", "s920", CELL, S.QUARANTINED, ""), ("northstar", "desk5000", ETH, S.IN_STOCK, ""), ("northstar", "move5000", CELL, S.IN_STOCK, ""), ("northstar", "a920", CELL, S.IN_STOCK, "PayDroid 8.1 V11.0.20")],
    "bj-chaoyang": [("yinhe-pay", "n910", CELL, S.IN_STOCK, ""), ("yinhe-pay", "n910", WIFI, S.IN_STOCK, ""), ("yinhe-pay", "v200c", DIAL, S.IN_STOCK, ""), ("yinhe-pay", "move5000", CELL, S.IN_STOCK, ""), ("northstar", "desk5000", ETH, S.IN_STOCK, ""), ("northstar", "p2", CELL, S.IN_STOCK, ""), ("northstar", "n910", WIFI, S.QUARANTINED, "")],
    "sz-longgang": [("yinhe-pay", "p2", WIFI, S.IN_STOCK, ""), ("yinhe-pay", "p2", CELL, S.IN_STOCK, ""), ("yinhe-pay", "desk5000", ETH, S.IN_STOCK, ""), ("northstar", "v200c", ETH, S.IN_STOCK, ""), ("northstar", "v200c", ETH, S.IN_STOCK, ""), ("northstar", "a920", WIFI, S.IN_STOCK, ""), ("northstar", "move5000", CELL, S.IN_STOCK, "")],
}  # fmt: skip

# username, role, organisation (MID or provider code; "" = operator), display name, language.
USERS = [
    ("merchant", Role.MERCHANT_OWNER, "898290054110001", "王丽", "zh-hans"),
    ("merchant2", Role.MERCHANT_OWNER, "898584058120007", "林大年", "zh-hans"),
    ("agent", Role.PROVIDER_SUPPORT, "yinhe-pay", "张敏", "zh-hans"),
    ("agent2", Role.PROVIDER_SUPPORT, "northstar", "黄志强", "zh-hans"),
    ("engineer", Role.PROVIDER_FIELD, "yinhe-pay", "孙磊", "zh-hans"),
    ("lead", Role.PROVIDER_LEAD, "yinhe-pay", "李娜", "zh-hans"),
    ("risk", Role.PROVIDER_RISK, "yinhe-pay", "何静", "zh-hans"),
    ("admin", Role.OPERATOR_ADMIN, "", "运营管理员", "zh-hans"),
    ("zhajiang", Role.MERCHANT_OWNER, "898100058120013", "赵建国", "zh-hans"),
    ("kangning", Role.MERCHANT_OWNER, "898651059120004", "刘敏", "zh-hans"),
    ("xihu", Role.MERCHANT_OWNER, "898331070110002", "陈思远", "zh-hans"),
    ("lotus", Role.MERCHANT_OWNER, "898581053110009", "Grace Ho", "en"),
]

# Tickets: (MID, terminal row, reporter, priority, cause, action, [(to, actor, reason), ...]).
TICKETS = [
    ("898290054110001", 2, "merchant", Priority.P1, Cause.HARDWARE, Action.SWAP_TERMINAL, [
        (TicketStatus.IN_PROGRESS, "agent", "屏幕提示 TAMPER，已安排工程师上门，备机申请中。"),
    ]),
    ("898290054110001", 3, "merchant", Priority.P2, Cause.NETWORK, Action.CHECK_NETWORK, []),
    ("898584058120007", 1, "merchant2", Priority.P2, Cause.KEYS, Action.SIGN_ON_AGAIN, [
        (TicketStatus.IN_PROGRESS, "agent", "Sign-on fails with A0; checking the keys."),
        (TicketStatus.WAITING_ON_MERCHANT, "agent", "Please settle, sign on again and tell us the code on the screen."),
    ]),
    ("898100058120013", 1, "zhajiang", Priority.P1, Cause.HOST_OUTAGE, Action.WAIT_AND_RETRY, [
        (TicketStatus.IN_PROGRESS, "agent", "多家商户同时返回 96，已上报主机故障。"),
        (TicketStatus.RESOLVED, "agent", "主机已恢复，商户确认交易正常。"),
    ]),
    ("898651059120004", 1, "kangning", Priority.P1, Cause.MERCHANT_RESTRICTED, Action.RISK_REVIEW, [
        (TicketStatus.ESCALATED, "risk", "风控冻结，转风控团队审核，需补充经营材料。"),
    ]),
    ("898581053110009", 3, "lotus", Priority.P1, Cause.HARDWARE, Action.SWAP_TERMINAL, [
        (TicketStatus.IN_PROGRESS, "agent2", "PIN pad fault; engineer visit booked."),
    ]),
]  # fmt: skip


@dataclass
class _Seeded:
    providers: dict[str, Provider]
    merchants: dict[str, Merchant]
    models: dict[str, TerminalModel]
    users: dict[str, User]


class Command(BaseCommand):
    help = "Load demo providers, merchants, terminals, spares, users and tickets (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        calendar, _ = BusinessCalendar.objects.update_or_create(
            code="cn-9x5",
            defaults={
                "name": "中国工作日 9:00-18:00",
                "timezone": "Asia/Shanghai",
                "day_start": time(9, 0),
                "day_end": time(18, 0),
                "holiday_country": "CN",
            },
        )
        providers = {row[0]: _provider(row, calendar) for row in PROVIDERS}
        merchants = {row[0]: _merchant(row, providers) for row in MERCHANTS}
        models = {key: _terminal_model(row) for key, row in TERMINAL_MODELS.items()}
        depots = {row[0]: _depot(row) for row in DEPOTS}
        users = {row[0]: _user(row, providers, merchants) for row in USERS}
        seeded = _Seeded(providers, merchants, models, users)
        _installed_terminals(seeded)
        _spares(seeded, depots)
        _tickets(seeded)
        _work(seeded)
        _pool()
        self._summary(seeded)

    def _summary(self, seeded: _Seeded) -> None:
        counts = {
            "providers": Provider.objects.count(),
            "merchants": Merchant.objects.count(),
            "terminals installed": Terminal.objects.filter(is_spare=False).count(),
            "spares": Terminal.objects.filter(is_spare=True).count(),
            "depots": Depot.objects.count(),
            "tickets": Ticket.objects.count(),
            "users": User.objects.count(),
        }
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(", ".join(f"{name}: {n}" for name, n in counts.items()))
        self.stdout.write(f"Sign in with password {DEMO_PASSWORD!r} as:")
        for username, user in seeded.users.items():
            organisation = user.organisation
            where = f" · {organisation.name}" if organisation else ""
            self.stdout.write(f"  {username:<10} {Role(user.role).label}{where}")


def _provider(row: tuple[Any, ...], calendar: BusinessCalendar) -> Provider:
    code, name, kind, hotline, email, _prefix = row
    provider, _ = Provider.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "hotline": hotline,
            "support_email": email,
            "calendar": calendar,
        },
    )
    return provider


def _merchant(row: tuple[Any, ...], providers: dict[str, Provider]) -> Merchant:
    mid, name, uscc, mcc, address, region, status, provider_code, contact = row
    merchant, _ = Merchant.objects.update_or_create(
        mid=mid,
        defaults={
            "name": name,
            "legal_id": uscc,
            "mcc": mcc,
            "registered_address": address,
            "region": region,
            "status": status,
            "provider": providers[provider_code],
            "contact_name": contact,
            "contact_phone": f"138{mid[-8:]}",
            "contact_email": f"owner-{mid[-4:]}@merchant.example",
        },
    )
    return merchant


def _terminal_model(row: tuple[Any, ...]) -> TerminalModel:
    manufacturer, name, family, firmware, ethernet, wifi, cellular, dialup, _prefix = row
    model, _ = TerminalModel.objects.update_or_create(
        manufacturer=manufacturer,
        name=name,
        defaults={
            "family": family,
            "approved_firmware": firmware,
            "has_ethernet": ethernet,
            "has_wifi": wifi,
            "has_cellular": cellular,
            "has_dialup": dialup,
        },
    )
    return model


def _depot(row: tuple[Any, ...]) -> Depot:
    code, name, region, address = row
    depot, _ = Depot.objects.update_or_create(
        code=code, defaults={"name": name, "region": region, "address": address}
    )
    return depot


def _user(
    row: tuple[Any, ...], providers: dict[str, Provider], merchants: dict[str, Merchant]
) -> User:
    username, role, org, display_name, language = row
    is_admin = role == Role.OPERATOR_ADMIN
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "merchant": merchants.get(org),
            "provider": providers.get(org),
            "first_name": display_name,
            "email": f"{username}@demo.example",
            "language": language,
            "is_active": True,
            "is_staff": is_admin,
            "is_superuser": is_admin,
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


def _tid_prefix(provider_code: str) -> str:
    return next(row[5] for row in PROVIDERS if row[0] == provider_code)


def _sn_prefix(model_key: str) -> str:
    return str(TERMINAL_MODELS[model_key][8])


def _installed_serial(mid: str, n: int) -> str:
    return f"{_sn_prefix(INSTALLED[mid][n - 1][0])}{mid[-4:]}{n:02d}"


def _installed_terminals(seeded: _Seeded) -> None:
    now = timezone.now()
    for merchant_no, (mid, rows) in enumerate(INSTALLED.items(), start=1):
        merchant = seeded.merchants[mid]
        for n, (model_key, connectivity, status, firmware) in enumerate(rows, start=1):
            working = status == S.ACTIVE
            last_good = (
                now - timedelta(minutes=7 * n + merchant_no)
                if working
                else now - timedelta(hours=20 + n)
            )
            _terminal(
                serial_number=_installed_serial(mid, n),
                status=status,
                seeded=seeded,
                model_key=model_key,
                firmware=firmware,
                connectivity=connectivity,
                sim_iccid=f"89860021{merchant_no:04d}{n:08d}",
                fields={
                    "provider": merchant.provider,
                    "merchant": merchant,
                    "tid": f"{_tid_prefix(merchant.provider.code)}{merchant_no:02d}{n:02d}",
                    "installed_address": f"{merchant.registered_address} 收银台 {n}",
                    "last_sign_on_at": _this_morning(now, minute=merchant_no + n),
                    "last_good_txn_at": last_good,
                    "last_seen_at": last_good if working else now - timedelta(hours=2, minutes=n),
                },
            )


def _spares(seeded: _Seeded, depots: dict[str, Depot]) -> None:
    for depot_no, (code, rows) in enumerate(SPARES.items(), start=1):
        for n, (provider_code, model_key, connectivity, status, firmware) in enumerate(rows, 1):
            _terminal(
                serial_number=f"{_sn_prefix(model_key)}9{depot_no}{n:03d}",
                status=status,
                seeded=seeded,
                model_key=model_key,
                firmware=firmware,
                connectivity=connectivity,
                sim_iccid=f"89860022{depot_no:04d}{n:08d}",
                fields={
                    "provider": seeded.providers[provider_code],
                    "is_spare": True,
                    "depot": depots[code],
                },
            )


def _terminal(
    *,
    serial_number: str,
    status: str,
    seeded: _Seeded,
    model_key: str,
    firmware: str,
    connectivity: str,
    sim_iccid: str,
    fields: dict[str, Any],
) -> None:
    """Create the terminal once, registered as pending, then walk it to `status`."""
    model = seeded.models[model_key]
    if not model.supports(connectivity):
        raise CommandError(f"{serial_number}: {model} has no {connectivity}")
    terminal, created = Terminal.objects.get_or_create(
        serial_number=serial_number,
        defaults={
            **fields,
            "model": model,
            "firmware_version": firmware or model.approved_firmware,
            "connectivity": connectivity,
            "sim_iccid": sim_iccid if connectivity == CELL else "",
            "status": S.PENDING,
        },
    )
    if not created:
        return
    admin = seeded.users["admin"]
    TerminalEvent.objects.create(
        terminal=terminal, actor=admin, kind=TerminalEvent.Kind.REGISTERED, to_status=S.PENDING
    )
    for step in _path_to(status):
        terminal = terminal_set_status(terminal=terminal, to=step, actor=admin, reason="演示数据")


def _path_to(status: str) -> list[str]:
    """Moves from pending along the terminal transition table."""
    paths: dict[str, list[str]] = {
        S.ACTIVE: [S.ACTIVE],
        S.FAULTY: [S.ACTIVE, S.FAULTY],
        S.DORMANT: [S.ACTIVE, S.DORMANT],
        S.IN_STOCK: [S.IN_STOCK],
        S.QUARANTINED: [S.IN_STOCK, S.QUARANTINED],
    }
    return paths[status]


def _demo_photo(label: str) -> SimpleUploadedFile:
    """A small real PNG standing in for a photo the merchant took."""
    import io

    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (320, 200), "#e6eef8")
    ImageDraw.Draw(picture).text((16, 90), label, fill="#0a4f96")
    out = io.BytesIO()
    picture.save(out, "PNG")
    return SimpleUploadedFile(f"{label}.png", out.getvalue(), content_type="image/png")


def _work(seeded: _Seeded) -> None:
    """Beyond the first line: an engineer visit, escalations, and a risk appeal under way."""
    users = seeded.users
    tamper = Ticket.objects.get(terminal__serial_number=_installed_serial("898290054110001", 2))
    if not EngineerVisit.objects.filter(ticket=tamper).exists():
        start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
        start += timedelta(days=1)
        visit_dispatch(
            ticket=tamper,
            actor=users["agent"],
            engineer=users["engineer"],
            window_start=start,
            window_end=start + timedelta(hours=2),
            notes="带 A920 备机与密码键盘配件。",
        )
        escalate(
            ticket=tamper,
            actor=users["agent"],
            party="manufacturer",
            reason="终端提示 TAMPER，需厂商返修 (RMA)。",
            external_reference="PAX-RMA-20261126-01",
        )
    frozen = Ticket.objects.get(terminal__serial_number=_installed_serial("898651059120004", 1))
    if not Escalation.objects.filter(ticket=frozen).exists():
        escalate(
            ticket=frozen,
            actor=users["risk"],
            party="acquirer",
            reason="收单行风控冻结：交易异常，需核实经营真实性。",
            external_reference="ACQ-RISK-0097",
        )
    if not AppealCase.objects.filter(ticket=frozen).exists():
        owner = users["kangning"]
        case = appeal_open(ticket=frozen, actor=users["risk"], reason="风控冻结，启动申诉。")
        for kind in ("id_front", "id_back", "shop_front", "shop_interior", "counter"):
            appeal_add_material(case=case, actor=owner, kind=kind, file=_demo_photo(kind))
        appeal_set_explanation(
            case=case,
            actor=owner,
            text="本店为正规药店，近期大额交易为医保外慢病用药团购，可提供进货发票与配送记录。",
        )
        case = appeal_submit(case=case, actor=owner)
        appeal_decide(
            case=case,
            actor=users["risk"],
            decision="need_more",
            note="请补充近三个月进货发票及大额订单的配送凭证。",
            missing=["invoices", "delivery_proof"],
        )


def _pool() -> None:
    """Test dates, stock levels and two backups, lent for the demo tickets of faulty terminals.

    terminals.demo pairs the references with the faulty terminals in the order they were
    made: the fruit shop's P2 (TAMPER) and the department store's V200c (PIN pad).
    """
    tickets = [
        Ticket.objects.filter(terminal__serial_number=_installed_serial(mid, row)).first()
        for mid, row in (("898290054110001", 2), ("898581053110009", 3))
    ]
    first, second = (t.reference if t else "" for t in tickets)
    seed_pool(references=(first or "DEMO-BACKUP-1", second or "DEMO-BACKUP-2"))


def _this_morning(now: datetime, *, minute: int) -> datetime:
    local = timezone.localtime(now)
    morning = local.replace(hour=8, minute=30 + minute % 30, second=0, microsecond=0)
    return morning if morning < local else morning - timedelta(days=1)


def _tickets(seeded: _Seeded) -> None:
    for mid, row, reporter_name, priority, cause, action, moves in TICKETS:
        terminal = Terminal.objects.get(serial_number=_installed_serial(mid, row))
        reporter = seeded.users[reporter_name]
        # The stable marker: one demo ticket per (terminal, reporter).
        if Ticket.objects.filter(terminal=terminal, reporter=reporter).exists():
            continue
        ticket = ticket_create(
            terminal=terminal,
            reporter=reporter,
            priority=priority,
            cause=cause,
            recommended_action=action,
            triage_rule="demo",
        )
        for to, actor, reason in moves:
            ticket = ticket_transition(
                ticket=ticket, to=to, actor=seeded.users[actor], reason=reason
            )
