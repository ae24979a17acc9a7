"""The spare pool's sweeps: backup returns and the admins' digest; what, when, and only once."""

from __future__ import annotations

import smtplib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django_celery_beat.models import PeriodicTask

from terminals import sweeps
from terminals.models import Allocation, DepotStockLevel, PoolDigest, Terminal
from tests import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def sweep_at(when: str, sweep: Any) -> int:
    with time_machine.travel(at(when), tick=False):
        return int(sweep())


# --- backup returns ---------------------------------------------------------------------------


@pytest.fixture
def lent(merchant: Any) -> Allocation:
    """A backup asked back by Thursday 3 December 2026."""
    spare = factories.SpareFactory(status=Terminal.Status.ON_LOAN)
    return factories.AllocationFactory(
        original=factories.TerminalFactory(merchant=merchant, provider=merchant.provider),
        status=Allocation.Status.RETURN_DUE,
        spare=spare,
        depot=spare.depot,
        return_due_at=date(2026, 12, 3),
    )


@pytest.fixture
def merchant_users(merchant: Any) -> list[Any]:
    return [
        factories.MerchantUserFactory(merchant=merchant, language="en"),
        factories.MerchantUserFactory(merchant=merchant, language="zh-hans"),
    ]


def test_the_merchant_is_reminded_once_two_days_before_the_return_date(
    lent: Allocation, merchant_users: list[Any]
) -> None:
    assert sweep_at("2026-11-30 23:59", sweeps.sweep_backup_returns) == 0
    assert sweep_at("2026-12-01 09:05", sweeps.sweep_backup_returns) == 1
    assert sweep_at("2026-12-01 10:05", sweeps.sweep_backup_returns) == 0
    assert sweep_at("2026-12-03 09:05", sweeps.sweep_backup_returns) == 0

    english, chinese = mail.outbox
    assert english.to == [merchant_users[0].email]
    assert english.subject == f"[{lent.reference}] Please return the backup terminal by 2026-12-03"
    assert lent.spare.serial_number in english.body
    assert chinese.subject == f"[{lent.reference}] 请于 2026-12-03 前归还备用终端"


def test_a_new_return_date_is_reminded_again(lent: Allocation, merchant_users: list[Any]) -> None:
    sweep_at("2026-12-01 09:05", sweeps.sweep_backup_returns)
    Allocation.objects.filter(pk=lent.pk).update(return_due_at=date(2026, 12, 8))

    assert sweep_at("2026-12-02 09:05", sweeps.sweep_backup_returns) == 0
    assert sweep_at("2026-12-06 09:05", sweeps.sweep_backup_returns) == 1
    assert len(mail.outbox) == 4


def test_a_late_return_is_chased_at_most_once_a_day(
    lent: Allocation, merchant_users: list[Any]
) -> None:
    assert sweep_at("2026-12-04 09:05", sweeps.sweep_backup_returns) == 1
    assert sweep_at("2026-12-04 18:05", sweeps.sweep_backup_returns) == 0
    assert sweep_at("2026-12-05 09:05", sweeps.sweep_backup_returns) == 1

    subjects = [m.subject for m in mail.outbox if m.to == [merchant_users[0].email]]
    assert subjects == [
        f"[{lent.reference}] The backup terminal is 1 day overdue",
        f"[{lent.reference}] The backup terminal is 2 days overdue",
    ]


def test_a_returned_backup_is_not_chased(lent: Allocation, merchant_users: list[Any]) -> None:
    Allocation.objects.filter(pk=lent.pk).update(status=Allocation.Status.RETURNED)

    assert sweep_at("2026-12-10 09:05", sweeps.sweep_backup_returns) == 0
    assert mail.outbox == []


def test_a_reminder_the_mail_server_refused_for_now_is_sent_by_the_next_run(
    lent: Allocation, merchant_users: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(self: EmailMessage, fail_silently: bool = False) -> int:
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", down)
        assert sweep_at("2026-12-01 09:05", sweeps.sweep_backup_returns) == 0

    lent.refresh_from_db()
    assert lent.return_reminded_for is None
    assert sweep_at("2026-12-01 10:05", sweeps.sweep_backup_returns) == 1
    assert len(mail.outbox) == 2


def test_the_return_sweep_selects_through_its_partial_index() -> None:
    index = {i.name: i for i in Allocation._meta.indexes}["allocation_return_due"]
    assert index.fields == ["return_due_at"]
    assert str(index.condition) == "(AND: ('status', 'return_due'))"


# --- the admins' digest -------------------------------------------------------------------------


@pytest.fixture
def admins(db: None) -> list[Any]:
    return [factories.OperatorFactory(language="en"), factories.OperatorFactory(language="zh-hans")]


@pytest.fixture
def depot(db: None) -> Any:
    return factories.DepotFactory(name="Pudong depot")


def spare_tested(depot: Any, when: str, **kwargs: Any) -> Terminal:
    return factories.SpareFactory(depot=depot, tested_at=at(when), test_passed=True, **kwargs)


def test_a_spare_whose_test_lapses_is_reported_once(depot: Any, admins: list[Any]) -> None:
    old = spare_tested(depot, "2026-10-01 10:00")  # valid until 31 October 10:00
    spare_tested(depot, "2026-11-20 10:00")

    assert sweep_at("2026-10-31 09:59", sweeps.sweep_pool_readiness) == 0
    assert sweep_at("2026-10-31 10:00", sweeps.sweep_pool_readiness) == 1
    assert sweep_at("2026-10-31 11:00", sweeps.sweep_pool_readiness) == 0

    (digest,) = PoolDigest.objects.all()
    assert digest.spares == [old.pk]
    assert digest.sent_at is not None
    english, chinese = mail.outbox
    assert english.to == [admins[0].email]
    assert english.subject == "Spare pool: 1 spare no longer tested"
    assert old.serial_number in english.body
    assert chinese.subject == "备件池：1 台备件功能测试已过期"


def test_only_what_lapsed_since_the_last_digest_is_reported(depot: Any, admins: list[Any]) -> None:
    first = spare_tested(depot, "2026-10-01 10:00")
    second = spare_tested(depot, "2026-10-05 10:00")
    sweep_at("2026-10-31 10:00", sweeps.sweep_pool_readiness)

    assert sweep_at("2026-11-04 10:00", sweeps.sweep_pool_readiness) == 1

    assert [d.spares for d in PoolDigest.objects.order_by("sequence")] == [
        [first.pk],
        [second.pk],
    ]


def test_a_depot_below_its_minimum_is_reported_when_it_falls_short(
    depot: Any, admins: list[Any]
) -> None:
    with time_machine.travel(at("2026-11-23 09:00"), tick=False):
        ready = factories.ReadySpareFactory(depot=depot)
        level = factories.DepotStockLevelFactory(depot=depot, model=ready.model, minimum=1)
        assert sweeps.sweep_pool_readiness() == 0

        Terminal.objects.filter(pk=ready.pk).update(status=Terminal.Status.QUARANTINED)
        assert sweeps.sweep_pool_readiness() == 1
        assert sweeps.sweep_pool_readiness() == 0

        assert PoolDigest.objects.get().stock_levels == [level.pk]
        assert "Pudong depot, PAX A920 Pro: 0 ready, minimum 1" in mail.outbox[0].body

        # Back to the minimum, then short again: reported again.
        Terminal.objects.filter(pk=ready.pk).update(status=Terminal.Status.IN_STOCK)
        assert sweeps.sweep_pool_readiness() == 0
        assert DepotStockLevel.objects.get().short_since is None
        Terminal.objects.filter(pk=ready.pk).update(status=Terminal.Status.QUARANTINED)
        assert sweeps.sweep_pool_readiness() == 1
    assert PoolDigest.objects.count() == 2


def test_a_digest_that_could_not_be_sent_goes_out_with_the_next_run(
    depot: Any, admins: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    spare_tested(depot, "2026-10-01 10:00")

    def down(self: EmailMessage, fail_silently: bool = False) -> int:
        raise smtplib.SMTPConnectError(421, "busy")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", down)
        assert sweep_at("2026-11-01 10:00", sweeps.sweep_pool_readiness) == 0

    assert PoolDigest.objects.get().sent_at is None
    assert sweep_at("2026-11-01 11:00", sweeps.sweep_pool_readiness) == 1
    assert PoolDigest.objects.count() == 1
    assert len(mail.outbox) == 2


def test_the_sweeps_are_scheduled_in_beat() -> None:
    tasks = dict(PeriodicTask.objects.values_list("task", "name"))
    assert "terminals.sweep_backup_returns" in tasks
    assert "terminals.sweep_pool_readiness" in tasks
    returns = PeriodicTask.objects.get(task="terminals.sweep_backup_returns")
    assert (returns.crontab.minute, returns.crontab.hour) == ("5", "9-18")


def test_a_spare_that_was_tested_again_lapses_again_later(depot: Any, admins: list[Any]) -> None:
    spare = spare_tested(depot, "2026-10-01 10:00")
    sweep_at("2026-10-31 10:00", sweeps.sweep_pool_readiness)
    Terminal.objects.filter(pk=spare.pk).update(tested_at=at("2026-11-02 10:00"))

    assert sweep_at("2026-11-20 10:00", sweeps.sweep_pool_readiness) == 0
    assert sweep_at("2026-12-02 10:00", sweeps.sweep_pool_readiness) == 1
    assert PoolDigest.objects.order_by("sequence").last().spares == [spare.pk]  # type: ignore[union-attr]
