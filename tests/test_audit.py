"""The audit log: sign-ins, failures, lock-outs, sign-outs, tokens, role changes, admin edits."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portal.audit import AuditedAdminMixin, audit_record, audit_role_change, role_snapshot
from portal.models import AuditEntry, BusinessCalendar, Role, User
from tests import factories
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) " + "x" * 400


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def superadmin(db: None) -> User:
    return factories.OperatorFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(superadmin: User) -> Client:
    client = signed_in(superadmin)
    AuditEntry.objects.all().delete()  # forget the sign-in of the fixture itself
    return client


# --- Sign-ins ------------------------------------------------------------------------------------


def test_signing_in_on_the_page_records_who_from_where_and_with_what(merchant_user):
    Client().post(
        "/accounts/login/",
        {"username": merchant_user.username, "password": "demo-pass"},
        REMOTE_ADDR="203.0.113.5",
        HTTP_USER_AGENT=BROWSER,
    )

    [entry] = entries(Action.SIGN_IN)
    assert (entry.actor, entry.actor_name) == (merchant_user, merchant_user.username)
    assert entry.target_repr == merchant_user.username
    assert entry.ip_address == "203.0.113.5"
    assert entry.user_agent == BROWSER[:300]
    assert entry.details == {"via": "page"}


def test_a_failed_sign_in_records_the_username_tried_but_never_the_password(merchant_user):
    Client().post(
        "/accounts/login/",
        {"username": merchant_user.username, "password": "guess-123"},
        REMOTE_ADDR="203.0.113.5",
    )

    [entry] = entries(Action.SIGN_IN_FAILED)
    assert entry.actor is None
    assert entry.target_id == str(merchant_user.pk)
    assert entry.details == {"username": merchant_user.username, "via": "page", "locked_out": False}
    assert "guess-123" not in str(entry.details)


def test_a_failed_sign_in_for_an_unknown_username_has_no_target(db):
    Client().post("/accounts/login/", {"username": "ghost", "password": "x"})

    [entry] = entries(Action.SIGN_IN_FAILED)
    assert (entry.target_type, entry.target_repr, entry.details["username"]) == (None, "", "ghost")


def test_a_lock_out_is_recorded_with_the_username_and_address(merchant_user):
    client = Client()
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"username": merchant_user.username, "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
        )

    [locked] = entries(Action.LOCKED_OUT)
    assert locked.details["username"] == merchant_user.username
    assert locked.details["address"] == "203.0.113.9"
    assert entries(Action.SIGN_IN_FAILED)[-1].details["locked_out"] is True


def test_signing_out_is_recorded(merchant_user):
    client = signed_in(merchant_user)

    client.post("/accounts/logout/")

    [entry] = entries(Action.SIGN_OUT)
    assert entry.actor == merchant_user


def test_signing_in_to_the_admin_is_recorded_as_such(superadmin):
    Client().post(
        "/admin/login/", {"username": superadmin.username, "password": "demo-pass", "next": "/"}
    )

    [entry] = entries(Action.SIGN_IN)
    assert entry.details == {"via": "admin"}


# --- API tokens -----------------------------------------------------------------------------------


def test_a_token_sign_in_is_a_sign_in_and_the_first_one_creates_a_token(merchant_user):
    client = APIClient()
    body = {"username": merchant_user.username, "password": "demo-pass"}

    client.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="198.51.100.4")
    client.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="198.51.100.4")

    signed = entries(Action.SIGN_IN)
    assert [(e.actor, e.details["via"]) for e in signed] == [(merchant_user, "api")] * 2
    [created] = entries(Action.TOKEN_CREATED)
    assert (created.actor, created.ip_address) == (merchant_user, "198.51.100.4")
    merchant_user.refresh_from_db()
    assert merchant_user.last_login is not None


def test_a_failed_token_sign_in_is_recorded(merchant_user):
    APIClient().post(
        "/api/v1/auth/token/",
        {"username": merchant_user.username, "password": "nope"},
        format="json",
    )

    [entry] = entries(Action.SIGN_IN_FAILED)
    assert entry.details["via"] == "api"
    assert not entries(Action.TOKEN_CREATED)


# --- Role changes ----------------------------------------------------------------------------------


def user_change_data(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role,
        "merchant": user.merchant_id or "",
        "provider": user.provider_id or "",
        "language": user.language,
        "phone": user.phone,
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return data


def change_url(user: User) -> str:
    return reverse("admin:portal_user_change", args=[user.pk])


def test_changing_a_role_in_the_admin_records_before_and_after(admin_client, superadmin, agent):
    response = admin_client.post(
        change_url(agent), user_change_data(agent, role=Role.PROVIDER_LEAD), REMOTE_ADDR="10.1.1.1"
    )

    assert response.status_code == 302
    [entry] = entries(Action.ROLE_CHANGED)
    assert entry.actor == superadmin
    assert entry.target_id == str(agent.pk)
    assert entry.ip_address == "10.1.1.1"
    assert entry.details == {
        "changed": {"role": ["provider_support", "provider_lead"]},
        "new_user": False,
    }


def test_moving_a_user_to_another_organisation_is_a_role_change(admin_client, merchant_user):
    other = factories.MerchantFactory()

    admin_client.post(change_url(merchant_user), user_change_data(merchant_user, merchant=other.pk))

    [entry] = entries(Action.ROLE_CHANGED)
    assert entry.details["changed"] == {"merchant_id": [merchant_user.merchant_id, other.pk]}


def test_granting_admin_rights_is_a_role_change(admin_client, agent):
    admin_client.post(change_url(agent), user_change_data(agent, is_staff="on"))

    [entry] = entries(Action.ROLE_CHANGED)
    assert entry.details["changed"] == {"is_staff": [False, True]}


def test_editing_a_users_e_mail_is_an_admin_change_but_not_a_role_change(admin_client, agent):
    admin_client.post(change_url(agent), user_change_data(agent, email="new@example.com"))

    assert not entries(Action.ROLE_CHANGED)
    [entry] = entries(Action.ADMIN_CHANGE)
    assert "Email address" in entry.details["message"][0]["changed"]["fields"]


def test_adding_a_user_records_the_addition_and_the_role_given(admin_client, provider):
    admin_client.post(
        reverse("admin:portal_user_add"),
        {
            "username": "newagent",
            "password1": "a-long-pass-9731",
            "password2": "a-long-pass-9731",
            "usable_password": "true",
            "role": "provider_support",
            "provider": provider.pk,
            "language": "en",
        },
    )

    added = User.objects.get(username="newagent")
    [role] = entries(Action.ROLE_CHANGED)
    assert role.details["new_user"] is True
    assert role.details["changed"]["role"] == [None, "provider_support"]
    assert [e.target_id for e in entries(Action.ADMIN_ADD)] == [str(added.pk)]


def test_a_role_change_that_changes_nothing_writes_nothing(agent):
    before = role_snapshot(agent)

    assert audit_role_change(user=agent, before=before, actor=None) is None
    assert not AuditEntry.objects.exists()


# --- Admin edits ----------------------------------------------------------------------------------


def test_every_model_in_the_admin_is_audited_whichever_app_registered_it():
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
    ]
    assert unaudited == []


def test_an_admin_edit_keeps_djangos_own_log_entry_too(admin_client, provider):
    calendar = provider.calendar
    admin_client.post(
        reverse("admin:portal_businesscalendar_change", args=[calendar.pk]),
        {
            "code": calendar.code,
            "name": "Renamed",
            "timezone": "Asia/Shanghai",
            "day_start": "09:00",
            "day_end": "18:00",
            "holiday_country": "CN",
        },
    )

    [entry] = entries(Action.ADMIN_CHANGE)
    assert (entry.target_repr, entry.target_id) == ("Renamed", str(calendar.pk))
    assert LogEntry.objects.filter(object_id=str(calendar.pk)).count() == 1


def test_deleting_in_the_admin_records_what_was_deleted(admin_client, superadmin):
    calendar = BusinessCalendar.objects.create(code="spare", name="Spare calendar")

    admin_client.post(
        reverse("admin:portal_businesscalendar_delete", args=[calendar.pk]), {"post": "yes"}
    )

    [entry] = entries(Action.ADMIN_DELETE)
    assert (entry.actor, entry.target_repr) == (superadmin, "Spare calendar")
    assert not BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_a_bulk_deletion_in_the_admin_records_each_row(admin_client):
    calendars = [
        BusinessCalendar.objects.create(code=f"spare-{n}", name=f"Spare {n}") for n in range(3)
    ]

    admin_client.post(
        reverse("admin:portal_businesscalendar_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [c.pk for c in calendars],
            "post": "yes",
        },
    )

    deleted = sorted(e.target_repr for e in entries(Action.ADMIN_DELETE))
    assert deleted == ["Spare 0", "Spare 1", "Spare 2"]


# --- The log itself in the admin -----------------------------------------------------------------


def test_operators_read_the_audit_log_but_cannot_add_change_or_delete(admin_client, agent):
    entry = audit_record(action=Action.SIGN_IN, actor=agent, target=agent)

    assert admin_client.get(reverse("admin:portal_auditentry_changelist")).status_code == 200
    view = reverse("admin:portal_auditentry_change", args=[entry.pk])
    assert admin_client.get(view).status_code == 200
    assert admin_client.get(reverse("admin:portal_auditentry_add")).status_code == 403
    assert admin_client.post(view, {"action": "sign_out"}).status_code == 403
    delete = reverse("admin:portal_auditentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == Action.SIGN_IN


def test_the_audit_log_is_not_for_merchants_or_provider_staff(merchant_user, agent):
    for user in (merchant_user, agent):
        response = signed_in(user).get(reverse("admin:portal_auditentry_changelist"))
        assert response.status_code == 302  # to the admin's sign-in page


def test_an_entry_outlives_the_account_that_acted(agent):
    entry = audit_record(action=Action.SIGN_IN, actor=agent, target=agent)

    agent.delete()

    entry.refresh_from_db()
    assert (entry.actor, entry.actor_name) == (None, agent.username)
