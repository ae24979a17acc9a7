"""Card numbers typed into free text are masked before anything stores or sends the text.

A card number (PAN) is 13 to 19 digits that pass the Luhn check, written in one piece or in
groups separated by single spaces or dashes ("4111 1111 1111 1111", "6212-3456-…"). All
digits but the last four become "*"; the separators stay, so the text keeps its shape:
"**** **** **** 1111". Digit runs that fail Luhn (phone numbers, most merchant IDs, order
numbers) are left alone. Full-width digits (１２３) count as digits too.
"""

from __future__ import annotations

import re

PAN_MIN_DIGITS, PAN_MAX_DIGITS = 13, 19
KEPT_DIGITS = 4
MASK = "*"

DIGIT = "[0-9\uff10-\uff19]"
SEPARATOR = "[ \\-\u3000\uff0d]"
# Groups of digits joined by single separators, not touching other digits.
DIGIT_RUN = re.compile(rf"(?<!{DIGIT}){DIGIT}+(?:{SEPARATOR}{DIGIT}+)*(?!{DIGIT})")
DIGIT_GROUP = re.compile(rf"{DIGIT}+")


def mask_card_numbers(text: str) -> str:
    """`text` with every card number in it masked down to its last four digits."""
    return DIGIT_RUN.sub(lambda run: _mask_run(run.group()), text)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(digits)):
        digit = int(character)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _mask_run(run: str) -> str:
    """Mask the card numbers in one run of digit groups.

    A run may hold more than a card ("13800138000 4111 1111 1111 1111"), so consecutive
    groups are tried from the left, longest first. A single unbroken group is never split:
    digits inside a longer number are not a card number.
    """
    groups = list(DIGIT_GROUP.finditer(run))
    masked = list(run)
    start = 0
    while start < len(groups):
        end = _card_end(groups, start)
        if end is None:
            start += 1
            continue
        _mask_span(masked, groups[start].start(), groups[end].end())
        start = end + 1
    return "".join(masked)


def _card_end(groups: list[re.Match[str]], start: int) -> int | None:
    """The index of the last group of the longest card number starting at `start`, if any."""
    found, digits = None, ""
    for end in range(start, len(groups)):
        digits += groups[end].group()
        if len(digits) > PAN_MAX_DIGITS:
            break
        if len(digits) >= PAN_MIN_DIGITS and luhn_valid(digits):
            found = end
    return found


def _mask_span(characters: list[str], start: int, end: int) -> None:
    digit_positions = [i for i in range(start, end) if characters[i].isdigit()]
    for i in digit_positions[:-KEPT_DIGITS]:
        characters[i] = MASK
