"""The guided report's steps: what we ask, and the advice a merchant gets right away.

Each self-check is a yes/no question about one thing the merchant can check in the shop.
An answer that points at a problem the merchant can fix shows the advice at once, with a
"that fixed it" button (the report is deflected) and a "still not working" button.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

YES, NO = _("Yes"), _("No")


@dataclass(frozen=True)
class Check:
    name: str
    field: str
    question: Promise
    help: Promise
    advice_when: bool | None  # the answer that shows the advice
    advice: tuple[Promise, ...]
    allow_unknown: bool = False
    yes_label: Promise = YES
    no_label: Promise = NO

    @property
    def choices(self) -> list[tuple[str, Promise]]:
        choices = [("yes", self.yes_label), ("no", self.no_label)]
        if self.allow_unknown:
            choices.append(("none", _("I have no other terminal")))
        return choices


CHECKS: tuple[Check, ...] = (
    Check(
        "power",
        "power_ok",
        _("Does the terminal switch on and show its normal screen?"),
        _("Look at the screen and the battery or power light."),
        False,
        (
            _(
                "Use the terminal's own power adapter and check it is plugged in firmly at both ends."
            ),
            _("Try another wall socket; a power strip switch may be off."),
            _("If it runs on battery, put it on the charger or base for at least 15 minutes."),
            _(
                "Hold the power button for about 10 seconds to force it off, then switch it on again."
            ),
        ),
    ),
    Check(
        "network",
        "network_ok",
        _("Is the terminal connected (signal or network icon shown, other devices online)?"),
        _(
            "Check the Wi-Fi or 4G signal icon on the terminal, and whether the shop's internet works."
        ),
        False,
        (
            _("Wired: check the network cable is clicked in at the terminal and the router."),
            _("Restart the router: unplug it for 30 seconds, plug it back in, wait two minutes."),
            _("4G: move the terminal near the door or a window for a better signal."),
            _(
                "4G: check that the SIM card is paid up. Never move the SIM into another terminal: it is locked to this one."
            ),
        ),
    ),
    Check(
        "restart",
        "restarted",
        _("Restart the terminal now, then try a small sale."),
        _("Hold the power button until it switches off, wait 10 seconds, switch it on."),
        None,
        (),
        yes_label=_("Restarted: it still fails"),
        no_label=_("I could not restart it"),
    ),
    Check(
        "sign_on",
        "signed_on",
        _("Settle and sign on again (签到), then try a sale. Did you manage to sign on?"),
        _(
            "In the terminal's menu: Settlement (结算), then Sign on (签到). This renews the terminal's keys."
        ),
        None,
        (),
    ),
    Check(
        "cards",
        "all_cards_fail",
        _("Does every card fail, or only some cards?"),
        _("Try two or three different cards, ideally from different banks."),
        False,
        (
            _(
                "If only some cards fail, the card or its bank is refusing: ask the customer for another card or another way to pay."
            ),
            _(
                "Many declined cards in a short time can trigger a risk review; don't retry the same card again and again."
            ),
        ),
        yes_label=_("Every card fails"),
        no_label=_("Only some cards fail"),
    ),
    Check(
        "others",
        "other_terminals_affected",
        _("Do your other terminals fail too?"),
        _("If you have another terminal, try a small sale on it."),
        None,
        (),
        allow_unknown=True,
    ),
    Check(
        "moved",
        "moved_recently",
        _("Has this terminal been moved to another address recently?"),
        _("Terminals are registered to one address; using one elsewhere is restricted."),
        True,
        (
            _(
                "Take the terminal back to its registered address, or ask your provider to register the new address with proof (lease, shop photos)."
            ),
        ),
    ),
    Check(
        "notice",
        "notice_received",
        _("Have you had a notice (SMS, app, letter) from your provider about your account?"),
        _("For example about risk control, a freeze, held settlement or missing documents."),
        None,
        (),
    ),
)

CHECKS_BY_NAME = {check.name: check for check in CHECKS}
STEP_ORDER = ("terminal", "screen", *(c.name for c in CHECKS), "evidence", "review")


def next_step(step: str) -> str:
    index = STEP_ORDER.index(step)
    return STEP_ORDER[min(index + 1, len(STEP_ORDER) - 1)]


def previous_step(step: str) -> str | None:
    index = STEP_ORDER.index(step)
    return STEP_ORDER[index - 1] if index > 1 else None
