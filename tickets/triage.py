"""Triage: turn a merchant's report into a probable cause, a priority and what to do now.

`RULES` is a first-match decision table (research/domain.md §6), read top-down:

1. what the terminal says about itself (tamper alert, no power),
2. what the acquirer says about the merchant (risk, registration, dormancy, location),
3. whether the terminal reaches the host at all (an outage elsewhere, the shop's network),
4. the terminal's keys and parameters,
5. what the response code says, split by the two questions that decide most cases:
   does every card fail or only some, and do the merchant's other terminals fail too.

Each rule says in plain words why it fired; the ticket stores the rule's name and reason.
Screen messages are matched against `ScreenMessagePattern` rows and codes are looked up in the
`ResponseCode` catalogue, both data that admins edit. Unknown codes are fine, never an error.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from tickets.models import (
    Action,
    Cause,
    Priority,
    Report,
    ResponseCode,
    Scheme,
    ScreenMessagePattern,
    Signal,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Codes the rules name, per scheme where the scheme changes the meaning -----------------

# CUP: 03 invalid merchant, 97 terminal not registered. Under ISO 8583:1987, 97 is reserved.
NOT_REGISTERED_CODES: dict[str, frozenset[str]] = {
    Scheme.CUP: frozenset({"03", "97"}),
    Scheme.ISO8583: frozenset({"03"}),
}
# Working keys or batch out of step: sign on again. C1 and 08 are acquirer codes for "not
# signed on" seen on Chinese terminals; some networks use ISO 97 for a MAC error.
KEY_CODES: dict[str, frozenset[str]] = {
    Scheme.CUP: frozenset({"A0", "99", "77", "22", "63", "F0", "C1", "08"}),
    Scheme.ISO8583: frozenset({"22", "63", "97"}),
}
HOST_CODES = frozenset({"90", "91", "92", "96", "98"})  # cutoff, switch or issuer unavailable
NETWORK_CODES = frozenset({"68"})  # the answer came too late
LIMIT_CODES = frozenset({"61", "62", "65"})  # card limit, or (every card) the merchant's
# Normally about one card; on every card they point at the acquirer blocking the merchant.
MERCHANT_SIDE_ON_EVERY_CARD = frozenset({"05", "57", "58", "59"})
CONFIG_CODES = frozenset({"12", "13", "15", "31", "40"})  # function or card brand not enabled
CARD_SIDE_CODES = frozenset(
    {"01", "02", "04", "05", "06", "07", "14", "33", "34", "38", "41", "43", "51", "54", "55"}
    | {"57", "58", "59", "61", "62", "65", "75", "91", "98", "B0", "B1"}
)


def normalise_text(text: str) -> str:
    """Full-width to half-width, any case, single spaces: how messages and patterns compare."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def normalise_code(code: str) -> str:
    return unicodedata.normalize("NFKC", code).strip().upper()


def normalise_scheme(scheme: str) -> str:
    # Terminals in China speak the UnionPay (CUP) dialect of ISO 8583: when the merchant does
    # not say, a code is read as CUP. That matters: 97 is "terminal not registered" under CUP.
    return scheme.strip().lower() or Scheme.CUP.value


# --- Facts: the report's answers plus what the catalogue says about them --------------------


@dataclass(frozen=True)
class Facts:
    """What triage knows. Build it with `build_facts` / `facts_from_report` to get the lookups;
    constructing it directly (tests, previews) works without a database."""

    code: str = ""
    scheme: str = Scheme.CUP.value
    entry: ResponseCode | None = None
    signals: frozenset[str] = field(default_factory=frozenset)
    screen_message: str = ""
    power_ok: bool | None = None
    network_ok: bool | None = None
    restarted: bool | None = None
    signed_on: bool | None = None
    all_cards_fail: bool | None = None
    other_terminals_affected: bool | None = None
    moved_recently: bool | None = None
    notice_received: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", normalise_code(self.code))
        object.__setattr__(self, "scheme", normalise_scheme(self.scheme))
        object.__setattr__(self, "signals", frozenset(str(s) for s in self.signals))

    def has(self, *signals: Signal) -> bool:
        return any(s.value in self.signals for s in signals)

    def code_in(self, codes: frozenset[str] | dict[str, frozenset[str]]) -> bool:
        if isinstance(codes, dict):
            codes = codes.get(self.scheme, frozenset())
        return bool(self.code) and self.code in codes

    @property
    def every_card(self) -> bool:
        return self.all_cards_fail is True

    @property
    def some_cards_only(self) -> bool:
        return self.all_cards_fail is False

    @property
    def trading_elsewhere(self) -> bool:
        """The merchant says their other terminals still work, so they can still take cards."""
        return self.other_terminals_affected is False


def lookup_code(scheme: str, code: str) -> ResponseCode | None:
    if not code:
        return None
    return ResponseCode.objects.filter(scheme=scheme, code=code).first()


def signals_in(message: str) -> frozenset[str]:
    """The signals whose pattern occurs anywhere in the message, any case (one query)."""
    text = normalise_text(message)
    if not text:
        return frozenset()
    patterns = ScreenMessagePattern.objects.values_list("pattern", "signal")
    return frozenset(signal for pattern, signal in patterns if normalise_text(pattern) in text)


def build_facts(
    *,
    error_code: str = "",
    scheme: str = "",
    screen_message: str = "",
    power_ok: bool | None = None,
    network_ok: bool | None = None,
    restarted: bool | None = None,
    signed_on: bool | None = None,
    all_cards_fail: bool | None = None,
    other_terminals_affected: bool | None = None,
    moved_recently: bool | None = None,
    notice_received: bool | None = None,
) -> Facts:
    """Facts from plain answers, with the catalogue entry and the message's signals."""
    code, scheme = normalise_code(error_code or ""), normalise_scheme(scheme or "")
    return Facts(
        code=code,
        scheme=scheme,
        entry=lookup_code(scheme, code),
        signals=signals_in(screen_message or ""),
        screen_message=screen_message or "",
        power_ok=power_ok,
        network_ok=network_ok,
        restarted=restarted,
        signed_on=signed_on,
        all_cards_fail=all_cards_fail,
        other_terminals_affected=other_terminals_affected,
        moved_recently=moved_recently,
        notice_received=notice_received,
    )


def facts_from_report(report: Report) -> Facts:
    return build_facts(
        error_code=report.error_code,
        scheme=report.scheme,
        screen_message=report.screen_message,
        power_ok=report.power_ok,
        network_ok=report.network_ok,
        restarted=report.restarted,
        signed_on=report.signed_on,
        all_cards_fail=report.all_cards_fail,
        other_terminals_affected=report.other_terminals_affected,
        moved_recently=report.moved_recently,
        notice_received=report.notice_received,
    )


# --- The tests the rules are made of -------------------------------------------------------


def _tamper(f: Facts) -> bool:
    return f.has(Signal.TAMPER)


def _no_power(f: Facts) -> bool:
    return f.power_ok is False


def _risk_notice(f: Facts) -> bool:
    # A provider notice always counts. A risk message on only some cards is the acquirer's
    # risk engine stopping those cards (card_side below), not the merchant.
    return f.notice_received is True or (f.has(Signal.RISK) and not f.some_cards_only)


def _not_registered(f: Facts) -> bool:
    # 03 and CUP 97 are about the merchant or terminal, not the card: only an explicit
    # "just some cards fail" makes them doubtful.
    if f.some_cards_only:
        return False
    return f.has(Signal.NOT_REGISTERED) or f.code_in(NOT_REGISTERED_CODES)


def _dormant(f: Facts) -> bool:
    return f.has(Signal.DORMANT)


def _relocation_message(f: Facts) -> bool:
    return f.has(Signal.RELOCATION)


def _host_outage(f: Facts) -> bool:
    # A host code means the host answered, so the network works; unless the merchant says not.
    return (
        f.code_in(HOST_CODES)
        and not f.some_cards_only
        and f.other_terminals_affected is True
        and f.network_ok is not False
    )


def _no_network(f: Facts) -> bool:
    return f.network_ok is False or f.has(Signal.NETWORK, Signal.SIM) or f.code_in(NETWORK_CODES)


def _moved_recently(f: Facts) -> bool:
    return f.moved_recently is True and not f.some_cards_only


def _keys_trouble(f: Facts) -> bool:
    return f.code_in(KEY_CODES) or f.has(Signal.KEYS, Signal.SIGN_ON_FAILED)


def _keys_after_sign_on(f: Facts) -> bool:
    return _keys_trouble(f) and f.signed_on is True


def _tms(f: Facts) -> bool:
    return f.has(Signal.TMS)


def _host_busy(f: Facts) -> bool:
    return f.code_in(HOST_CODES) and not f.some_cards_only


def _merchant_limit(f: Facts) -> bool:
    return f.every_card and f.code_in(LIMIT_CODES)


def _every_card_declined(f: Facts) -> bool:
    flips = f.entry is not None and f.entry.depends_on_cards
    return f.every_card and (f.code_in(MERCHANT_SIDE_ON_EVERY_CARD) or flips)


def _config(f: Facts) -> bool:
    return f.code_in(CONFIG_CODES)


def _card_side(f: Facts) -> bool:
    if not f.some_cards_only:
        return False
    entry_says_card = f.entry is not None and (
        f.entry.depends_on_cards or f.entry.cause == Cause.CARDHOLDER
    )
    return f.code_in(CARD_SIDE_CODES) or entry_says_card or f.has(Signal.RISK)


def _anything(f: Facts) -> bool:
    return True


# --- Priorities that depend on the answers -------------------------------------------------


def p1_unless_trading_elsewhere(f: Facts) -> Priority:
    """P1 when the merchant cannot take cards; P2 when another of their terminals works."""
    return Priority.P2 if f.trading_elsewhere else Priority.P1


def p1_if_every_card(f: Facts) -> Priority:
    return Priority.P1 if f.every_card else Priority.P2


# --- The decision table --------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    name: str
    test: Callable[[Facts], bool]
    cause: Cause
    priority: Priority | Callable[[Facts], Priority]
    action: Action
    reason: StrOrPromise

    def priority_for(self, facts: Facts) -> Priority:
        return self.priority if isinstance(self.priority, Priority) else self.priority(facts)


@dataclass(frozen=True)
class Outcome:
    cause: Cause
    priority: Priority
    action: Action
    rule: str
    reason: StrOrPromise


RULES: list[Rule] = [
    Rule(
        name="tamper",
        test=_tamper,
        cause=Cause.HARDWARE,
        priority=p1_unless_trading_elsewhere,
        action=Action.SWAP_TERMINAL,
        reason=_(
            "The screen shows a tamper alert: the terminal's security sensor tripped, its keys "
            "are erased, and it must be replaced."
        ),
    ),
    Rule(
        name="no_power",
        test=_no_power,
        cause=Cause.POWER,
        priority=p1_unless_trading_elsewhere,
        action=Action.CHECK_POWER,
        reason=_(
            "The terminal does not power on normally; nothing else can be checked until the "
            "power supply is sorted out."
        ),
    ),
    Rule(
        name="risk_notice",
        test=_risk_notice,
        cause=Cause.MERCHANT_RESTRICTED,
        priority=Priority.P1,
        action=Action.RISK_REVIEW,
        reason=_(
            "A risk-control or merchant-status notice means the acquirer has restricted the "
            "merchant account: this is for the provider's risk team, not a terminal fault."
        ),
    ),
    Rule(
        name="not_registered",
        test=_not_registered,
        cause=Cause.MERCHANT_RESTRICTED,
        priority=p1_unless_trading_elsewhere,
        action=Action.CHECK_REGISTRATION,
        reason=_(
            "The host does not recognise the terminal or the merchant number (code 03, UnionPay "
            "code 97 or a 'not registered' message), so the provider must check the registration."
        ),
    ),
    Rule(
        name="dormant",
        test=_dormant,
        cause=Cause.MERCHANT_RESTRICTED,
        priority=p1_unless_trading_elsewhere,
        action=Action.CHECK_REGISTRATION,
        reason=_(
            "The message says the terminal was closed after a long time without use; the "
            "provider can reactivate it, usually without a risk review."
        ),
    ),
    Rule(
        name="relocation_message",
        test=_relocation_message,
        cause=Cause.MERCHANT_RESTRICTED,
        priority=p1_unless_trading_elsewhere,
        action=Action.ADDRESS_CHANGE,
        reason=_(
            "The message says the terminal is away from its registered address; it stays blocked "
            "there until an address change is approved."
        ),
    ),
    Rule(
        name="host_outage",
        test=_host_outage,
        cause=Cause.HOST_OUTAGE,
        priority=Priority.P1,
        action=Action.WAIT_AND_RETRY,
        reason=_(
            "Every card gets a host code (day-end cutoff, switch or issuer unavailable) and "
            "other terminals fail too: the outage is at the provider or the card network, not in "
            "the shop."
        ),
    ),
    Rule(
        name="no_network",
        test=_no_network,
        cause=Cause.NETWORK,
        priority=p1_unless_trading_elsewhere,
        action=Action.CHECK_NETWORK,
        reason=_(
            "The terminal cannot reach the host (the network is down, the screen shows a "
            "connection, SIM or timeout message), so the shop's connection is checked first."
        ),
    ),
    Rule(
        name="moved_recently",
        test=_moved_recently,
        cause=Cause.MERCHANT_RESTRICTED,
        priority=p1_unless_trading_elsewhere,
        action=Action.ADDRESS_CHANGE,
        reason=_(
            "The terminal was moved recently, and acquirers block terminals used away from their "
            "registered address."
        ),
    ),
    Rule(
        name="keys_after_sign_on",
        test=_keys_after_sign_on,
        cause=Cause.KEYS,
        priority=p1_unless_trading_elsewhere,
        action=Action.RELOAD_KEYS,
        reason=_(
            "The code or message points at the terminal's keys and signing on again did not help, "
            "so the provider must reload the keys."
        ),
    ),
    Rule(
        name="keys",
        test=_keys_trouble,
        cause=Cause.KEYS,
        priority=Priority.P2,
        action=Action.SIGN_ON_AGAIN,
        reason=_(
            "The code or message says the terminal's working keys or batch number are out of step "
            "with the host; settling and signing on again fetches fresh keys."
        ),
    ),
    Rule(
        name="tms",
        test=_tms,
        cause=Cause.KEYS,
        priority=Priority.P2,
        action=Action.RELOAD_KEYS,
        reason=_(
            "The terminal's parameters or master key did not finish loading, so they must be "
            "loaded again."
        ),
    ),
    Rule(
        name="host_busy",
        test=_host_busy,
        cause=Cause.HOST_OUTAGE,
        priority=Priority.P2,
        action=Action.WAIT_AND_RETRY,
        reason=_(
            "The host answered with a temporary-failure code (day-end cutoff, switch or issuer "
            "unavailable); it usually clears within minutes, and the provider looks into it if "
            "it persists."
        ),
    ),
    Rule(
        name="merchant_limit",
        test=_merchant_limit,
        cause=Cause.MERCHANT_RESTRICTED,
        priority=Priority.P2,
        action=Action.ESCALATE,
        reason=_(
            "Every card fails with a limit code, so the limit is on the merchant or terminal, not "
            "on the cards; the provider checks or raises it."
        ),
    ),
    Rule(
        name="every_card_declined",
        test=_every_card_declined,
        cause=Cause.MERCHANT_RESTRICTED,
        priority=Priority.P1,
        action=Action.ESCALATE,
        reason=_(
            "Every card is declined with a code that normally concerns a single card, which "
            "suggests the acquirer is blocking the merchant or the terminal."
        ),
    ),
    Rule(
        name="config",
        test=_config,
        cause=Cause.CONFIG,
        priority=p1_if_every_card,
        action=Action.ENABLE_FUNCTION,
        reason=_(
            "The code says this kind of transaction or card brand is not enabled on the "
            "terminal; the provider can enable it."
        ),
    ),
    Rule(
        name="card_side",
        test=_card_side,
        cause=Cause.CARDHOLDER,
        priority=Priority.P3,
        action=Action.ANOTHER_CARD,
        reason=_(
            "Only some cards fail, with a decline from the card's side, so the terminal works and "
            "the customer should pay another way."
        ),
    ),
    Rule(
        name="unknown",
        test=_anything,
        cause=Cause.UNKNOWN,
        priority=Priority.P2,
        action=Action.ESCALATE,
        reason=_(
            "Nothing in the report matches a known pattern, so the provider investigates with the "
            "evidence."
        ),
    ),
]
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def triage(facts: Facts) -> Outcome:
    """The first rule that matches decides; the last rule always matches."""
    rule = next(r for r in RULES if r.test(facts))
    return Outcome(
        cause=rule.cause,
        priority=rule.priority_for(facts),
        action=rule.action,
        rule=rule.name,
        reason=rule.reason,
    )


def reason_for(rule_name: str, default: str = "") -> str:
    """The rule's reason in the active language; `default` for a rule that no longer exists."""
    rule = RULES_BY_NAME.get(rule_name)
    return str(rule.reason) if rule else default


def code_meaning(facts: Facts, language: str) -> str:
    """What the code means under its scheme, from the catalogue; empty when unknown."""
    return facts.entry.meaning(language) if facts.entry else ""


# --- What the merchant should do now, per action -------------------------------------------

ADVICE_EN: dict[str, str] = {
    Action.SWAP_TERMINAL: (
        "Stop using this terminal: do not restart it or try more sales on it. Switch it off and "
        "do not open it. Note its serial number (SN, on the label underneath). If another "
        "terminal is registered to your shop, take payments on that one. The provider will "
        "arrange a replacement or an engineer visit and, if needed, a backup terminal."
    ),
    Action.CHECK_POWER: (
        "Use the terminal's original power adapter, plugged straight into a wall socket that "
        "works (not a loose power strip). Let it charge for at least 15 minutes, then hold the "
        "power button for about 10 seconds. Check that the battery is seated and its cover "
        "closed. If the screen stays dark or the terminal keeps rebooting, report it: it needs "
        "repair or a replacement."
    ),
    Action.CHECK_NETWORK: (
        "1. Check that the network cable (or phone line) is firmly plugged into the terminal "
        "and the router. 2. Restart the router, wait until it is back online and check that "
        "another device can use it. 3. On a wireless terminal, look at the signal bars and move "
        "it nearer a window or the Wi-Fi router. 4. On a SIM terminal, check that the SIM is "
        "paid up and not expired; renew it through your provider. Do not move the SIM into "
        "another terminal: it is bound to this one and will be frozen. 5. Restart the terminal, "
        "sign on again (签到) and try a sale."
    ),
    Action.SIGN_ON_AGAIN: (
        "1. Settle the day's transactions (结算) and print the settlement slip. 2. Sign off "
        "(签退). 3. Sign on again (签到) with your operator number and password. 4. Try a small "
        "sale. If it still fails after two tries, report it with a photo of the screen: the "
        "terminal's keys may need reloading."
    ),
    Action.WAIT_AND_RETRY: (
        "The problem is at the card network or the provider's host, not in your shop; there is "
        "nothing to fix on the terminal. Wait about 10 minutes and try again, and meanwhile "
        "offer another way to pay (QR code, cash). Before charging a customer again, check "
        "whether the earlier attempt went through: a failed sale is normally reversed "
        "automatically. If it still fails after 30 minutes, tell us."
    ),
    Action.RISK_REVIEW: (
        "The acquirer's risk control has restricted your merchant account. The terminal is fine "
        "and an engineer cannot fix this, so do not keep retrying sales. Keep every notice you "
        "received (SMS, app message, letter) and a photo of the screen. Have ready your business "
        "licence, the legal representative's ID, photos of the shop front and inside, and recent "
        "receipts or invoices. The provider's risk team will review the case and tell you what "
        "to submit for an appeal."
    ),
    Action.CHECK_REGISTRATION: (
        "The host does not recognise this terminal or your merchant number, so retrying will "
        "not help. Leave the terminal as it is, note its terminal number (TID) and serial number "
        "(SN) from the settings or the label, and photograph the screen. The provider will check "
        "the registration and reactivate or re-bind the terminal. If it was unused for months, "
        "say so: reactivation is usually quick."
    ),
    Action.ADDRESS_CHANGE: (
        "A card terminal may only be used at the address it is registered to. If you have "
        "moved, file an address change with the provider: the new address, the lease or "
        "ownership proof, and photos of the new shop front and till. Until it is approved the "
        "terminal stays blocked at the new address. If you have not moved, say so: the provider "
        "will check the terminal's location log."
    ),
    Action.ENABLE_FUNCTION: (
        "This kind of card or transaction is not switched on for your terminal; the terminal "
        "itself works. Note which cards fail (for example foreign Visa or Mastercard cards) or "
        "which transaction (pre-authorisation, refund…), and the amount if it was large. The "
        "provider will enable it or tell you it is not available for your business. Meanwhile "
        "ask for another card or way to pay."
    ),
    Action.ANOTHER_CARD: (
        "The customer's bank declined the card; your terminal works. Ask for another card or "
        "another way to pay. Do not keep retrying the same card: many declines in a short time "
        "can make the acquirer review your shop."
    ),
    Action.RELOAD_KEYS: (
        "The terminal's keys or parameters are missing or damaged, which you cannot fix "
        "yourself. Put the terminal on a steady network (cable or a strong signal), restart it, "
        "and let any parameter download finish without switching it off. If the message stays, "
        "report it: the provider will load the keys remotely or send an engineer or a "
        "replacement."
    ),
    Action.ESCALATE: (
        "The cause is not clear from your answers, so the provider will look into it. Help them "
        "by adding a photo of the screen, when it started, how many times you tried, whether "
        "every card fails, and the time and reference number of your last successful sale. "
        "Leave the terminal as it is."
    ),
}

ADVICE_ZH: dict[str, str] = {
    Action.SWAP_TERMINAL: (
        "请停止使用这台终端：不要重启，也不要继续尝试交易。请关机，不要拆机。记下机身号（SN，在机身底部标签上）。"
        "如有另一台登记在本店的终端，请先用它收款。服务商会安排换机或工程师上门，必要时提供备用机。"
    ),
    Action.CHECK_POWER: (
        "请使用终端原装电源适配器，直接插在确认有电的墙上插座（不要用松动的插线板）。充电至少15分钟，"
        "然后长按电源键约10秒。检查电池是否装好、电池盖是否盖紧。如果仍然黑屏或反复重启，请报告：终端需要维修或更换。"
    ),
    Action.CHECK_NETWORK: (
        "1. 检查网线（拨号机为电话线）是否插紧终端和路由器。"
        "2. 重启路由器，等它恢复联网，确认其他设备能正常上网。"
        "3. 无线终端请查看信号格，移到靠窗或靠近Wi-Fi路由器的位置。"
        "4. 插SIM卡的终端请确认流量卡没有欠费或到期，通过服务商续费。"
        "不要把SIM卡换到其他终端上：卡与本机绑定，换机使用会被冻结。"
        "5. 重启终端，重新签到后试一笔交易。"
    ),
    Action.SIGN_ON_AGAIN: (
        "1. 先做结算并打印结算单。2. 签退。3. 用操作员号和密码重新签到。4. 试一笔小额消费。"
        "试两次仍失败，请拍下屏幕报告：终端密钥可能需要重新灌装。"
    ),
    Action.WAIT_AND_RETRY: (
        "问题出在银行卡网络或服务商主机，不在您店里，终端上无需处理。请等待约10分钟后重试，期间请顾客改用其他方式"
        "付款（扫码、现金）。再次收款前先确认上一笔是否已扣款，失败的交易一般会自动冲正。30分钟后仍失败请告诉我们。"
    ),
    Action.RISK_REVIEW: (
        "收单机构的风控限制了您的商户。终端本身没有问题，派工程师也无法解决，请不要反复尝试交易。"
        "保留收到的所有通知（短信、App消息、函件）和屏幕照片。准备好营业执照、法人身份证、门头及店内照片、"
        "近期交易小票或发票。服务商风控团队会审核，并告知申诉需要提交的材料。"
    ),
    Action.CHECK_REGISTRATION: (
        "主机不认可这台终端或您的商户号，重试无效。请保持终端现状，从设置或标签上记下终端号（TID）和机身号（SN），"
        "并拍下屏幕。服务商会核查登记信息，为终端重新激活或重新绑定。如果终端已经几个月没用，请说明：重新激活通常很快。"
    ),
    Action.ADDRESS_CHANGE: (
        "银行卡终端只能在登记的地址使用。如果已搬迁，请向服务商提交地址变更：新地址、租赁合同或产权证明、"
        "新店门头及收银台照片。获批前终端在新地址仍会被限制。如果没有搬迁，请说明，服务商会核查终端的定位记录。"
    ),
    Action.ENABLE_FUNCTION: (
        "您的终端未开通这类卡或这类交易，终端本身正常。请记下失败的是哪类卡（如境外Visa、万事达卡）"
        "或哪种交易（预授权、退货等），金额较大时也请记下金额。服务商会为您开通，或说明您的业务不支持。"
        "期间请顾客换卡或改用其他方式付款。"
    ),
    Action.ANOTHER_CARD: (
        "顾客的发卡行拒绝了这张卡，您的终端正常。请顾客换一张卡或改用其他方式付款。"
        "不要反复刷同一张卡：短时间内大量被拒可能引起收单机构对您店铺的审查。"
    ),
    Action.RELOAD_KEYS: (
        "终端的密钥或参数缺失或损坏，无法自行修复。请把终端接入稳定的网络（网线或强信号），重启后让参数下载完成，"
        "期间不要关机。如果提示仍在，请报告：服务商会远程下发密钥，或派工程师、更换终端。"
    ),
    Action.ESCALATE: (
        "根据您的回答暂时无法判断原因，服务商会进一步排查。请补充屏幕照片、开始出现的时间、尝试次数、"
        "是否所有卡都失败，以及最后一笔成功交易的时间和参考号。请保持终端现状。"
    ),
}


def action_advice(action: str, language: str) -> str:
    """What the merchant should do now for this action, in English or Chinese."""
    advice = ADVICE_ZH if language.lower().startswith("zh") else ADVICE_EN
    return advice.get(action, advice[Action.ESCALATE])


def screen_hint(facts: Facts, language: str) -> tuple[str, str] | None:
    """(meaning, what to try) for the code on the screen, shown as soon as it is entered."""
    if facts.entry is None:
        return None
    return facts.entry.meaning(language), facts.entry.merchant_guidance(language)
