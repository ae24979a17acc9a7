"""The legal routes page: in both languages, refers in order and never advises."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests import factories
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

URL = "/tickets/legal-routes/"


def page(user, language: str) -> str:
    client = signed_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(URL)
    assert response.status_code == 200
    return response.text


def test_it_lists_the_routes_in_order_with_a_disclaimer_in_english(merchant_user):
    text = page(merchant_user, "en")

    assert '<html lang="en">' in text
    assert "This is not legal advice" in text
    institution = text.index("A complaint to the institution")
    hotline = text.index("The PBoC hotline 12363")
    contract = text.index("Arbitration or a court")
    assert institution < hotline < contract
    assert "15 working days" in text
    assert "institution first" in text


def test_it_lists_the_routes_in_order_with_a_disclaimer_in_chinese(merchant_user):
    text = page(merchant_user, "zh-hans")

    assert '<html lang="zh-hans">' in text
    assert "本页内容不构成法律意见" in text
    institution = text.index("向机构投诉")
    hotline = text.index("中国人民银行 12363 热线")
    contract = text.index("申请仲裁或向法院起诉")
    assert institution < hotline < contract
    assert "15个工作日" in text
    assert "This is not legal advice" not in text


def test_a_merchant_sees_its_own_providers_complaint_channel(merchant_user):
    provider = merchant_user.merchant.provider

    text = page(merchant_user, "en")

    assert provider.name in text
    assert provider.hotline in text
    assert provider.support_email in text


def test_provider_staff_and_operators_can_read_it(agent, operator):
    assert "12363" in page(agent, "en")
    assert "12363" in page(operator, "zh-hans")


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_appeal_panel_links_to_it(merchant_user):
    ticket = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant),
        cause="merchant_restricted",
    )

    response = signed_in(merchant_user).get(f"/tickets/{ticket.pk}/")

    assert URL in response.text
