"""The appeal dossier: a ZIP that opens, lists every file with its SHA-256, and hides internals."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests import factories
from tests.conftest import signed_in
from tickets.models import AppealStatus, Cause, MaterialKind
from tickets.services import comment_add
from tickets.services.appeals import (
    REQUIRED_MATERIALS,
    appeal_add_material,
    appeal_decide,
    appeal_open,
    appeal_set_explanation,
    appeal_submit,
)

pytestmark = pytest.mark.django_db

INTERNAL_COMMENT = "Internal: merchant appears on the watch list"
INTERNAL_DECISION_NOTE = "Internal: checked with the acquirer's fraud desk"


def png_upload(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def case(merchant_user, agent, provider):
    ticket = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant),
        reporter=merchant_user,
        cause=Cause.MERCHANT_RESTRICTED,
        triage_rule="risk_notice",
    )
    risk = factories.RiskUserFactory(provider=provider)
    case = appeal_open(ticket=ticket, actor=agent, reason="Settlement held")
    for kind in REQUIRED_MATERIALS:
        if kind != MaterialKind.EXPLANATION:
            appeal_add_material(
                case=case, actor=merchant_user, kind=kind, file=png_upload(f"{kind}.png")
            )
    appeal_set_explanation(case=case, actor=merchant_user, text="A tea shop on Nanjing Road.")
    comment_add(ticket=ticket, author=merchant_user, body="Please look at our appeal.")
    comment_add(ticket=ticket, author=agent, body=INTERNAL_COMMENT, internal=True)
    appeal_submit(case=case, actor=merchant_user)
    appeal_decide(
        case=case,
        actor=risk,
        decision=AppealStatus.NEED_MORE,
        note="Send the receipts of the flagged sales.",
        missing=[MaterialKind.RECEIPTS],
        internal_note=INTERNAL_DECISION_NOTE,
    )
    # Ordinary ticket evidence, not part of the checklist, also goes in.
    factories.EvidenceFactory(ticket=ticket, original_name="screen.pdf")
    return case


def download(user, case) -> zipfile.ZipFile:
    response = signed_in(user).get(f"/tickets/{case.ticket_id}/appeal/dossier/")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert f"{case.ticket.reference}-appeal-dossier.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return archive


def everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_the_dossier_lists_every_file_with_its_sha256(case, merchant_user):
    archive = download(merchant_user, case)
    index_txt = archive.read("index.txt").decode()
    index_html = archive.read("index.html").decode()

    files = [n for n in archive.namelist() if n not in ("index.txt", "index.html")]
    assert len(files) == case.ticket.attachments.count() == 6
    for name in files:
        digest = hashlib.sha256(archive.read(name)).hexdigest()
        assert f"{digest}  {name}" in index_txt
        assert digest in index_html
        assert f'href="{name}"' in index_html
    assert any(n.startswith("materials/id_front/") for n in files)
    assert any(n.startswith("evidence/") and n.endswith("screen.pdf") for n in files)


def test_the_dossier_holds_the_summary_answers_timeline_and_conversation(case, merchant_user):
    index = download(merchant_user, case).read("index.txt").decode()

    assert case.ticket.reference in index
    assert case.merchant.mid in index
    assert "A tea shop on Nanjing Road." in index
    assert "Send the receipts of the flagged sales." in index
    assert str(MaterialKind.RECEIPTS.label) in index
    assert "Please look at our appeal." in index
    assert "Appeal submitted (attempt 1)." in index
    assert "Settlement held" in index


def test_the_dossier_never_holds_internal_notes_whoever_downloads_it(case, merchant_user, agent):
    for user in (merchant_user, agent):
        content = everything(download(user, case))

        assert INTERNAL_COMMENT not in content
        assert INTERNAL_DECISION_NOTE not in content
        assert "Staff note on the appeal." not in content


def test_the_dossier_index_speaks_the_readers_language(case, merchant_user):
    client = signed_in(merchant_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get(f"/tickets/{case.ticket_id}/appeal/dossier/")

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert '<html lang="zh-hans">' in archive.read("index.html").decode()


def test_a_file_changed_in_storage_is_flagged_in_the_index(case, merchant_user):
    attachment = case.materials.first().attachment
    with attachment.file.open("wb") as stored:
        stored.write(b"tampered")

    index = download(merchant_user, case).read("index.txt").decode()

    assert "no longer matches this checksum" in index


@pytest.mark.parametrize("who", ["other_merchant", "other_provider", "anonymous"])
def test_outsiders_cannot_download_the_dossier(case, who, provider):
    if who == "anonymous":
        response = Client().get(f"/tickets/{case.ticket_id}/appeal/dossier/")
        assert response.status_code == 302
        return
    user = (
        factories.MerchantUserFactory(merchant__provider=provider)
        if who == "other_merchant"
        else factories.RiskUserFactory()
    )

    response = signed_in(user).get(f"/tickets/{case.ticket_id}/appeal/dossier/")

    assert response.status_code == 404
