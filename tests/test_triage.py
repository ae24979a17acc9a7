"""The triage decision table, the seeded response-code catalogue and the screen patterns."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils.translation import override

from tickets import triage
from tickets.models import (
    Action,
    Cause,
    Priority,
    Report,
    ResponseCode,
    Scheme,
    ScreenMessagePattern,
    Signal,
    Ticket,
)
from tickets.triage import Facts, build_facts, facts_from_report


def outcome(**facts: Any) -> triage.Outcome:
    """Triage of facts built directly: no database, no catalogue."""
    return triage.triage(Facts(**facts))


def seeded(**answers: Any) -> triage.Outcome:
    """Triage of plain answers, with the seeded catalogue and patterns."""
    return triage.triage(build_facts(**answers))


def signals(*names: Signal) -> frozenset[str]:
    return frozenset(s.value for s in names)


# --- One test per rule ---------------------------------------------------------------------


def test_a_tamper_message_means_hardware_p1() -> None:
    result = outcome(signals=signals(Signal.TAMPER))
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.HARDWARE,
        Priority.P1,
        Action.SWAP_TERMINAL,
        "tamper",
    )


@pytest.mark.django_db
def test_a_tamper_message_on_the_screen_is_recognised_from_the_catalogue() -> None:
    assert seeded(screen_message="Tamper detected! 机具锁定").rule == "tamper"


def test_a_tamper_with_another_working_terminal_is_p2() -> None:
    result = outcome(signals=signals(Signal.TAMPER), other_terminals_affected=False)
    assert (result.cause, result.priority) == (Cause.HARDWARE, Priority.P2)


def test_no_power_means_check_the_power_supply() -> None:
    result = outcome(power_ok=False)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.POWER,
        Priority.P1,
        Action.CHECK_POWER,
        "no_power",
    )


def test_unanswered_power_is_not_a_power_fault() -> None:
    assert outcome(power_ok=None).cause == Cause.UNKNOWN


def test_a_provider_notice_means_risk_review_p1() -> None:
    result = outcome(notice_received=True)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.MERCHANT_RESTRICTED,
        Priority.P1,
        Action.RISK_REVIEW,
        "risk_notice",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("message", ["交易失败，商户状态异常", "暂缓结算", "商户已冻结", "RISK"])
def test_a_risk_message_means_risk_review(message: str) -> None:
    result = seeded(screen_message=message)
    assert (result.cause, result.action, result.priority) == (
        Cause.MERCHANT_RESTRICTED,
        Action.RISK_REVIEW,
        Priority.P1,
    )


def test_a_risk_message_on_some_cards_only_is_the_cards() -> None:
    result = outcome(signals=signals(Signal.RISK), all_cards_fail=False)
    assert (result.cause, result.action, result.rule) == (
        Cause.CARDHOLDER,
        Action.ANOTHER_CARD,
        "card_side",
    )


@pytest.mark.parametrize(("code", "scheme"), [("03", "cup"), ("97", "cup"), ("03", "iso8583")])
def test_03_or_cup_97_on_every_card_means_check_registration_p1(code: str, scheme: str) -> None:
    result = outcome(code=code, scheme=scheme, all_cards_fail=True)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.MERCHANT_RESTRICTED,
        Priority.P1,
        Action.CHECK_REGISTRATION,
        "not_registered",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("message", ["终端未登记", "无效终端", "Terminal not registered"])
def test_a_not_registered_message_means_check_registration(message: str) -> None:
    assert seeded(screen_message=message).action == Action.CHECK_REGISTRATION


def test_a_dormant_terminal_needs_reactivation() -> None:
    result = outcome(signals=signals(Signal.DORMANT))
    assert (result.cause, result.action, result.rule) == (
        Cause.MERCHANT_RESTRICTED,
        Action.CHECK_REGISTRATION,
        "dormant",
    )


@pytest.mark.django_db
def test_a_relocation_message_means_address_change() -> None:
    result = seeded(screen_message="终端位置异常，交易失败")
    assert (result.cause, result.action, result.rule) == (
        Cause.MERCHANT_RESTRICTED,
        Action.ADDRESS_CHANGE,
        "relocation_message",
    )


@pytest.mark.parametrize("code", ["90", "91", "92", "96", "98"])
def test_a_host_code_on_every_card_with_other_terminals_failing_is_a_host_outage(
    code: str,
) -> None:
    result = outcome(code=code, all_cards_fail=True, other_terminals_affected=True)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.HOST_OUTAGE,
        Priority.P1,
        Action.WAIT_AND_RETRY,
        "host_outage",
    )


@pytest.mark.parametrize(
    "facts",
    [
        {"network_ok": False},
        {"signals": signals(Signal.NETWORK)},
        {"signals": signals(Signal.SIM)},
        {"code": "68"},
    ],
)
def test_no_network_means_check_the_network(facts: dict[str, Any]) -> None:
    result = outcome(**facts)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.NETWORK,
        Priority.P1,
        Action.CHECK_NETWORK,
        "no_network",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("message", ["连接失败", "No Connection", "SIM卡欠费", "交易超时"])
def test_network_messages_mean_check_the_network(message: str) -> None:
    assert seeded(screen_message=message).action == Action.CHECK_NETWORK


def test_a_recent_move_means_address_change() -> None:
    result = outcome(moved_recently=True)
    assert (result.cause, result.action, result.rule) == (
        Cause.MERCHANT_RESTRICTED,
        Action.ADDRESS_CHANGE,
        "moved_recently",
    )


@pytest.mark.parametrize("code", ["A0", "99", "77", "22", "63", "F0", "C1", "08"])
def test_key_codes_mean_sign_on_again(code: str) -> None:
    result = outcome(code=code)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.KEYS,
        Priority.P2,
        Action.SIGN_ON_AGAIN,
        "keys",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("message", ["签到失败", "MAC校验错，请重新签到", "Please SIGN ON"])
def test_sign_on_and_key_messages_mean_sign_on_again(message: str) -> None:
    assert seeded(screen_message=message).action == Action.SIGN_ON_AGAIN


def test_key_trouble_after_signing_on_again_means_reload_keys() -> None:
    result = outcome(code="A0", signed_on=True)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.KEYS,
        Priority.P1,
        Action.RELOAD_KEYS,
        "keys_after_sign_on",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("message", ["NOT READY", "参数下载失败", "请确认主密钥下载"])
def test_a_tms_message_means_reload_keys(message: str) -> None:
    result = seeded(screen_message=message)
    assert (result.cause, result.action, result.rule) == (Cause.KEYS, Action.RELOAD_KEYS, "tms")


@pytest.mark.parametrize("code", ["90", "96"])
def test_a_host_code_on_this_terminal_alone_is_wait_and_retry_p2(code: str) -> None:
    result = outcome(code=code, all_cards_fail=True, other_terminals_affected=False)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.HOST_OUTAGE,
        Priority.P2,
        Action.WAIT_AND_RETRY,
        "host_busy",
    )


@pytest.mark.parametrize("code", ["61", "62", "65"])
def test_a_limit_code_on_every_card_is_the_merchant_limit(code: str) -> None:
    result = outcome(code=code, all_cards_fail=True)
    assert (result.cause, result.priority, result.rule) == (
        Cause.MERCHANT_RESTRICTED,
        Priority.P2,
        "merchant_limit",
    )


@pytest.mark.parametrize("code", ["58", "05", "57", "59"])
def test_a_card_code_on_every_card_means_the_merchant_is_restricted_p1(code: str) -> None:
    result = outcome(code=code, all_cards_fail=True)
    assert (result.cause, result.priority, result.rule) == (
        Cause.MERCHANT_RESTRICTED,
        Priority.P1,
        "every_card_declined",
    )


@pytest.mark.parametrize("code", ["12", "13", "15", "31", "40"])
def test_function_codes_mean_enable_the_function(code: str) -> None:
    result = outcome(code=code, all_cards_fail=False)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.CONFIG,
        Priority.P2,
        Action.ENABLE_FUNCTION,
        "config",
    )


def test_a_function_code_on_every_card_is_p1() -> None:
    assert outcome(code="40", all_cards_fail=True).priority == Priority.P1


@pytest.mark.parametrize(
    "code",
    [
        *("01", "02", "04", "05", "07", "14", "33", "34", "41", "43", "51", "54"),
        *("55", "57", "58", "59", "62", "75"),
    ],
)
def test_card_side_codes_on_some_cards_mean_another_card_p3(code: str) -> None:
    result = outcome(code=code, all_cards_fail=False)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.CARDHOLDER,
        Priority.P3,
        Action.ANOTHER_CARD,
        "card_side",
    )


def test_nothing_matched_means_unknown_p2_escalate() -> None:
    result = outcome(power_ok=True, network_ok=True, all_cards_fail=True)
    assert (result.cause, result.priority, result.action, result.rule) == (
        Cause.UNKNOWN,
        Priority.P2,
        Action.ESCALATE,
        "unknown",
    )


@pytest.mark.django_db
def test_an_unknown_code_gives_unknown_without_error() -> None:
    facts = build_facts(error_code="Z9", scheme="cup", all_cards_fail=True)
    assert facts.entry is None
    assert triage.triage(facts).cause == Cause.UNKNOWN
    assert triage.code_meaning(facts, "en") == ""


@pytest.mark.django_db
def test_an_empty_report_gives_unknown_without_error() -> None:
    facts = facts_from_report(Report())
    assert (facts.code, facts.scheme, facts.entry, facts.signals) == ("", "cup", None, frozenset())
    assert triage.triage(facts).rule == "unknown"


# --- First match wins ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "rule"),
    [
        ({"signals": signals(Signal.TAMPER), "power_ok": False}, "tamper"),
        ({"power_ok": False, "network_ok": False}, "no_power"),
        ({"notice_received": True, "code": "97", "all_cards_fail": True}, "risk_notice"),
        ({"signals": signals(Signal.RISK, Signal.NOT_REGISTERED)}, "risk_notice"),
        ({"signals": signals(Signal.NOT_REGISTERED), "network_ok": False}, "not_registered"),
        ({"signals": signals(Signal.RELOCATION), "network_ok": False}, "relocation_message"),
        (
            {
                "code": "98",
                "signals": signals(Signal.NETWORK),
                "all_cards_fail": True,
                "other_terminals_affected": True,
            },
            "host_outage",
        ),
        (
            {"code": "96", "network_ok": False, "other_terminals_affected": True},
            "no_network",
        ),
        ({"signals": signals(Signal.NETWORK, Signal.SIGN_ON_FAILED)}, "no_network"),
        ({"moved_recently": True, "code": "A0"}, "moved_recently"),
        ({"signals": signals(Signal.KEYS, Signal.TMS)}, "keys"),
        ({"code": "61", "all_cards_fail": True}, "merchant_limit"),
        ({"code": "58", "all_cards_fail": False}, "card_side"),
    ],
)
def test_the_first_matching_rule_wins(facts: dict[str, Any], rule: str) -> None:
    assert outcome(**facts).rule == rule


@pytest.mark.parametrize(
    "facts",
    [
        {"signals": signals(Signal.TAMPER), "power_ok": False},
        {"code": "05", "all_cards_fail": True},
        {"code": "05", "all_cards_fail": False},
        {"code": "97", "scheme": "iso8583"},
        {},
    ],
)
def test_triage_reports_the_first_rule_whose_test_holds(facts: dict[str, Any]) -> None:
    built = Facts(**facts)
    first = next(rule for rule in triage.RULES if rule.test(built))
    assert triage.triage(built).rule == first.name


# --- Schemes and codes ---------------------------------------------------------------------


def test_97_means_not_registered_under_cup_and_keys_under_iso() -> None:
    cup = outcome(code="97", scheme="cup", all_cards_fail=True)
    iso = outcome(code="97", scheme="iso8583", all_cards_fail=True)
    assert (cup.cause, cup.action) == (Cause.MERCHANT_RESTRICTED, Action.CHECK_REGISTRATION)
    assert (iso.cause, iso.action) == (Cause.KEYS, Action.SIGN_ON_AGAIN)


def test_an_empty_scheme_means_cup_and_codes_are_normalised() -> None:
    assert Facts(code=" a0 ", scheme="").code == "A0"
    assert Facts(code="９７", scheme=" ").scheme == Scheme.CUP
    assert outcome(code="９７", all_cards_fail=True).rule == "not_registered"


@pytest.mark.django_db
def test_facts_from_a_report_use_the_catalogue_and_the_patterns() -> None:
    report = Report(
        error_code="a0 ", scheme="", screen_message="mac校验错", all_cards_fail=True, power_ok=True
    )
    facts = facts_from_report(report)
    assert facts.entry is not None
    assert (facts.entry.scheme, facts.entry.code, facts.entry.cause) == ("cup", "A0", Cause.KEYS)
    assert facts.signals == signals(Signal.KEYS)
    assert (facts.all_cards_fail, facts.power_ok, facts.network_ok) == (True, True, None)
    assert triage.code_meaning(facts, "zh-hans").startswith("MAC")


@pytest.mark.django_db
def test_the_catalogue_flag_decides_when_a_code_on_every_card_is_the_merchant() -> None:
    ResponseCode.objects.filter(scheme="cup", code="51").update(depends_on_cards=True)
    assert seeded(error_code="51", all_cards_fail=True).rule == "every_card_declined"
    assert seeded(error_code="51", all_cards_fail=False).rule == "card_side"


# --- Screen messages -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("message", "signal"),
    [
        ("*** TAMPER ***", Signal.TAMPER),
        ("tamper", Signal.TAMPER),
        ("ＴＡＭＰＥＲ", Signal.TAMPER),
        ("安全攻击，机具已锁定", Signal.TAMPER),
        ("交易失败 商户状态异常", Signal.RISK),
        ("Risk Control", Signal.RISK),
        ("Terminal Not   Registered", Signal.NOT_REGISTERED),
        ("终端已注销", Signal.NOT_REGISTERED),
        ("定位异常", Signal.RELOCATION),
        ("Terminal RELOCATED", Signal.RELOCATION),
        ("sign on failed", Signal.SIGN_ON_FAILED),
        ("请重新签到", Signal.SIGN_ON_FAILED),
        ("PIN格式错", Signal.KEYS),
        ("Key Error", Signal.KEYS),
        ("not ready", Signal.TMS),
        ("tms download", Signal.TMS),
        ("无拨号音", Signal.NETWORK),
        ("TIMEOUT", Signal.NETWORK),
        ("流量卡到期", Signal.SIM),
        ("No SIM", Signal.SIM),
        ("终端长时间未使用", Signal.DORMANT),
        ("DORMANT", Signal.DORMANT),
    ],
)
def test_screen_messages_are_recognised_in_any_case(message: str, signal: Signal) -> None:
    assert signal.value in triage.signals_in(message)


@pytest.mark.django_db
def test_signals_are_found_with_one_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        found = triage.signals_in("签到通讯失败")
    assert found == signals(Signal.SIGN_ON_FAILED, Signal.NETWORK)


@pytest.mark.django_db
def test_a_blank_message_needs_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert triage.signals_in("   ") == frozenset()


@pytest.mark.django_db
def test_a_frozen_iot_sim_is_not_a_merchant_freeze() -> None:
    assert triage.signals_in("物联网卡被冻结") == signals(Signal.SIM)


# --- Words in both languages ---------------------------------------------------------------


def test_every_action_has_advice_in_both_languages_and_they_differ() -> None:
    for action in Action:
        english = triage.action_advice(action, "en")
        chinese = triage.action_advice(action, "zh-hans")
        assert english
        assert chinese
        assert english != chinese, action
    assert set(triage.ADVICE_EN) == set(triage.ADVICE_ZH) == set(Action.values)


def test_advice_for_an_unknown_action_falls_back_to_escalate() -> None:
    assert triage.action_advice("gone", "en") == triage.action_advice(Action.ESCALATE, "en")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_rule_reason_renders(language: str) -> None:
    with override(language):
        for rule in triage.RULES:
            assert str(rule.reason).strip(), rule.name
            assert triage.reason_for(rule.name) == str(rule.reason)


def test_a_reason_for_a_retired_rule_falls_back_to_the_stored_text() -> None:
    assert triage.reason_for("retired_rule", default="stored") == "stored"


def test_the_rules_are_well_formed() -> None:
    names = [rule.name for rule in triage.RULES]
    assert len(names) == len(set(names))
    max_length = Ticket._meta.get_field("triage_rule").max_length
    assert max_length is not None
    assert all(len(name) <= max_length for name in names)
    assert triage.RULES[-1].name == "unknown"
    assert triage.RULES[-1].test(Facts())


# --- The seeded catalogue ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_is_seeded_for_both_schemes() -> None:
    assert ResponseCode.objects.filter(scheme=Scheme.CUP).count() >= 40
    assert ResponseCode.objects.filter(scheme=Scheme.ISO8583).count() >= 30
    assert not ResponseCode.objects.filter(code="00").exists()
    cup_97 = ResponseCode.objects.get(scheme=Scheme.CUP, code="97")
    iso_97 = ResponseCode.objects.get(scheme=Scheme.ISO8583, code="97")
    assert cup_97.meaning_en != iso_97.meaning_en
    assert cup_97.meaning_zh != iso_97.meaning_zh
    assert cup_97.cause == Cause.MERCHANT_RESTRICTED


@pytest.mark.django_db
def test_every_catalogue_row_is_complete() -> None:
    for row in ResponseCode.objects.all():
        assert row.cause in Cause.values
        assert row.meaning_en
        assert row.meaning_zh
        assert row.merchant_guidance_en
        assert row.merchant_guidance_zh
        assert row.support_guidance_en
        assert row.support_guidance_zh
        assert row.source


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["05", "57", "58", "59"])
def test_codes_that_flip_between_card_and_merchant_are_flagged(code: str) -> None:
    assert ResponseCode.objects.get(scheme=Scheme.CUP, code=code).depends_on_cards


@pytest.mark.django_db
def test_every_signal_has_patterns() -> None:
    seeded_signals = set(ScreenMessagePattern.objects.values_list("signal", flat=True))
    assert seeded_signals == set(Signal.values)


@pytest.mark.django_db
def test_the_seed_migration_reverses_cleanly() -> None:
    migration = importlib.import_module("tickets.migrations.0003_response_code_catalogue")
    editor = SimpleNamespace(connection=connection)
    cup_rows = ResponseCode.objects.filter(scheme=Scheme.CUP).count()
    migration.unseed(django_apps, editor)
    assert not ResponseCode.objects.exists()
    assert not ScreenMessagePattern.objects.exists()
    migration.seed(django_apps, editor)
    migration.seed(django_apps, editor)  # twice: nothing is duplicated
    assert ResponseCode.objects.filter(scheme=Scheme.CUP).count() == cup_rows
