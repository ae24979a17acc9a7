"""Card numbers in free text are masked down to their last four digits (tickets.masking)."""

from __future__ import annotations

import pytest

from tickets.masking import luhn_valid, mask_card_numbers

VISA = "4111111111111111"
UNIONPAY_16 = "6212345678901232"
UNIONPAY_19 = "6228480012345678903"
VISA_13 = "4222222222222"
AMEX = "378282246310005"
MID_FAILING_LUHN = "898310000000001"


def test_the_test_numbers_are_what_they_claim():
    assert all(luhn_valid(n) for n in (VISA, UNIONPAY_16, UNIONPAY_19, VISA_13, AMEX))
    assert not luhn_valid(MID_FAILING_LUHN)


def test_it_masks_a_card_number_written_in_one_piece():
    assert mask_card_numbers(f"card {VISA} declined") == "card ************1111 declined"


def test_it_keeps_spaces_between_groups_readable():
    assert mask_card_numbers("4111 1111 1111 1111") == "**** **** **** 1111"


def test_it_keeps_dashes_between_groups_readable():
    assert mask_card_numbers("6212-3456-7890-1232") == "****-****-****-1232"


def test_it_masks_a_thirteen_digit_card():
    assert mask_card_numbers(VISA_13) == "*********2222"


def test_it_masks_a_nineteen_digit_unionpay_card():
    assert mask_card_numbers(f"银联卡{UNIONPAY_19}刷不了") == "银联卡***************8903刷不了"


def test_it_masks_a_fifteen_digit_amex_card_in_amex_grouping():
    assert mask_card_numbers("3782 822463 10005") == "**** ****** *0005"


def test_it_leaves_a_merchant_id_that_fails_luhn_alone():
    text = f"商户号 {MID_FAILING_LUHN}，终端号 12345678"

    assert mask_card_numbers(text) == text


def test_it_leaves_phone_and_order_numbers_alone():
    text = "电话 138-0013-8000，订单号 2026011512345678901234，金额 1,280.00"

    assert mask_card_numbers(text) == text


@pytest.mark.parametrize("number", ["4111111111111112", "41111111111", "41111111111111111111"])
def test_it_leaves_digit_runs_that_are_not_card_numbers_alone(number):
    assert mask_card_numbers(number) == number


def test_it_never_finds_a_card_inside_a_longer_unbroken_number():
    text = f"9{VISA}9"

    assert mask_card_numbers(text) == text


def test_it_masks_several_cards_in_one_text():
    text = f"第一张 {VISA}，第二张 {UNIONPAY_16}，都显示51"

    assert mask_card_numbers(text) == "第一张 ************1111，第二张 ************1232，都显示51"


def test_it_finds_a_card_written_right_after_a_phone_number():
    text = "13800138000 4111 1111 1111 1111"

    assert mask_card_numbers(text) == "13800138000 **** **** **** 1111"


def test_it_masks_full_width_digits():
    full_width = "".join(chr(ord(c) - ord("0") + 0xFF10) for c in UNIONPAY_16)

    assert mask_card_numbers(f"卡号：{full_width}") == "卡号：************１２３２"


@pytest.mark.parametrize(
    "text", ["", "没有数字", "٤١١١١١١١١١١١١١١١", "1 " * 5000, "-" * 100, "\x00\u202e"]
)
def test_it_copes_with_odd_text(text):
    assert isinstance(mask_card_numbers(text), str)


def test_masking_is_idempotent():
    once = mask_card_numbers(f"{VISA} and {UNIONPAY_19}")

    assert mask_card_numbers(once) == once
