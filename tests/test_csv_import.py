"""CSV import of terminals and spares: preview writes nothing, plain per-row errors, a bad
row stops the whole file, and importing twice changes nothing the second time."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from terminals.imports import import_apply, import_preview
from terminals.models import Allocation, Terminal, TerminalEvent
from tests import factories
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

HEADER = "serial_number,provider,manufacturer,model,firmware_version,connectivity,merchant_mid,depot,tid,tested_on\n"


@pytest.fixture
def world():
    provider = factories.ProviderFactory(code="acq")
    merchant = factories.MerchantFactory(provider=provider, mid="898310000000001")
    model = factories.TerminalModelFactory()
    depot = factories.DepotFactory(code="sh-1")
    return {"provider": provider, "merchant": merchant, "model": model, "depot": depot}


def csv_of(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


SPARE = "SP001,acq,PAX,A920 Pro,PayDroid 9.1,wifi,,sh-1,,2026-01-05"
INSTALLED = "IN001,acq,PAX,A920 Pro,PayDroid 9.1,cellular,898310000000001,,12345678,"


def test_a_preview_says_what_would_happen_and_writes_nothing(world):
    preview = import_preview(content=csv_of(SPARE, INSTALLED), filename="pool.csv")

    assert preview.ok
    assert [row.action for row in preview.rows] == ["create", "create"]
    assert Terminal.objects.count() == 0
    assert TerminalEvent.objects.count() == 0


def test_applying_creates_spares_and_installed_terminals_with_history(world, operator):
    result = import_apply(content=csv_of(SPARE, INSTALLED), filename="pool.csv", actor=operator)

    assert result.applied
    spare = Terminal.objects.get(serial_number="SP001")
    installed = Terminal.objects.get(serial_number="IN001")
    assert (spare.is_spare, spare.depot, spare.status) == (True, world["depot"], "in_stock")
    assert spare.test_passed is True
    assert spare.tested_at.date().isoformat() == "2026-01-05"
    assert (installed.merchant, installed.tid, installed.status) == (
        world["merchant"], "12345678", "active"
    )  # fmt: skip
    assert TerminalEvent.objects.filter(kind=TerminalEvent.Kind.REGISTERED).count() == 2


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world, operator):
    import_apply(content=csv_of(SPARE, INSTALLED), filename="pool.csv", actor=operator)
    events = TerminalEvent.objects.count()

    again = import_apply(content=csv_of(SPARE, INSTALLED), filename="pool.csv", actor=operator)

    assert [row.action for row in again.rows] == ["unchanged", "unchanged"]
    assert Terminal.objects.count() == 2
    assert TerminalEvent.objects.count() == events


def test_a_known_serial_is_updated_and_the_preview_lists_the_changes(world, operator):
    import_apply(content=csv_of(SPARE), filename="pool.csv", actor=operator)
    newer = SPARE.replace("PayDroid 9.1", "PayDroid 9.2")

    preview = import_preview(content=csv_of(newer), filename="pool.csv")
    (row,) = preview.rows
    assert row.action == "update"
    assert row.changes == {"firmware_version": ("PayDroid 9.1", "PayDroid 9.2")}

    import_apply(content=csv_of(newer), filename="pool.csv", actor=operator)
    assert Terminal.objects.get(serial_number="SP001").firmware_version == "PayDroid 9.2"
    assert TerminalEvent.objects.filter(kind=TerminalEvent.Kind.IMPORTED).count() == 1


def test_one_bad_row_changes_nothing_at_all(world, operator):
    bad = "SP002,acq,PAX,A920 Pro,PayDroid 9.1,wifi,,no-such-depot,,"

    result = import_apply(content=csv_of(SPARE, bad), filename="pool.csv", actor=operator)

    assert not result.applied
    assert Terminal.objects.count() == 0
    (error_row,) = result.error_rows
    assert error_row.line == 3
    assert error_row.errors == ["No depot has the code no-such-depot."]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("SP9,nope,PAX,A920 Pro,PayDroid 9.1,wifi,,sh-1,,", "No provider has the code nope."),
        ("SP9,acq,PAX,Nothing,PayDroid 9.1,wifi,,sh-1,,", "No terminal model PAX Nothing is registered."),
        ("SP9,acq,PAX,A920 Pro,PayDroid 9.1,ethernet,,sh-1,,", "PAX A920 Pro has no Ethernet."),
        ("SP9,acq,PAX,A920 Pro,PayDroid 9.1,smoke,,sh-1,,", "Connectivity must be one of"),
        ("SP9,acq,PAX,A920 Pro,PayDroid 9.1,wifi,,,,", "Give either merchant_mid (installed) or depot (spare), not both."),
        ("SP9,acq,PAX,A920 Pro,PayDroid 9.1,wifi,898310000000009,,,", "No merchant has the MID 898310000000009."),
        ("SP9,acq,PAX,A920 Pro,PayDroid 9.1,wifi,,sh-1,,yesterday", "tested_on must be a date like 2026-03-01"),
        ("SP9,acq,PAX,A920 Pro,PayDroid 9.1,wifi,898310000000001,,12,", "tid: A terminal ID (TID) is 8 digits or capitals."),
        (",acq,PAX,A920 Pro,PayDroid 9.1,wifi,,sh-1,,", "serial_number is empty."),
    ],
)  # fmt: skip
def test_each_bad_row_is_explained_in_plain_words(world, row, message):
    preview = import_preview(content=csv_of(row), filename="pool.csv")

    assert not preview.ok
    (error,) = preview.rows[0].errors
    assert error.startswith(message)


def test_a_serial_twice_in_the_file_is_an_error(world):
    preview = import_preview(content=csv_of(SPARE, SPARE), filename="pool.csv")

    assert preview.rows[1].errors == ["This serial number appears twice in the file."]


def test_a_tid_already_used_by_the_provider_is_an_error(world):
    factories.TerminalFactory(merchant=world["merchant"], tid="12345678")

    preview = import_preview(content=csv_of(INSTALLED), filename="pool.csv")

    assert preview.rows[0].errors == [
        "TID 12345678 is already used by another terminal of this provider."
    ]


def test_a_spare_cannot_become_an_installed_terminal_by_import(world, operator):
    factories.SpareFactory(serial_number="IN001", provider=world["provider"])

    preview = import_preview(content=csv_of(INSTALLED), filename="pool.csv")

    assert "Change that by hand." in preview.rows[0].errors[0]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"a,b\n1,2\n", "pool.csv", "Missing columns"),
        (HEADER.encode(), "pool.csv", "The file has no rows."),
        (b"\x89PNG\x00\x00", "pool.csv", "This is not a text (CSV) file."),
        (b"x", "pool.xlsx", "Upload a .csv file."),
    ],
)
def test_files_we_cannot_read_are_refused_whole(world, content, filename, message):
    preview = import_preview(content=content, filename=filename)

    assert not preview.ok
    assert preview.file_errors[0].startswith(message)


def test_a_gbk_file_from_excel_is_read(world):
    content = csv_of(SPARE.replace("SP001", "备机1")).decode().encode("gb18030")

    preview = import_preview(content=content, filename="pool.csv")

    assert preview.ok
    assert preview.rows[0].serial_number == "备机1"


def test_an_imported_ready_spare_serves_a_waiting_request(world, operator):
    original = factories.TerminalFactory(merchant=world["merchant"], model=world["model"])
    waiting = factories.AllocationFactory(original=original)
    today = timezone.localdate().isoformat()

    import_apply(
        content=csv_of(SPARE.replace("2026-01-05", today)), filename="pool.csv", actor=operator
    )

    waiting.refresh_from_db()
    assert waiting.status == Allocation.Status.RESERVED
    assert waiting.spare.serial_number == "SP001"


# --- The page: upload → preview → confirm -------------------------------------------------------


def upload(client, content, name="pool.csv"):
    return client.post("/terminals/pool/import/", {"file": SimpleUploadedFile(name, content)})


def test_the_page_previews_then_imports_on_confirmation(world, operator):
    client = signed_in(operator)

    preview = upload(client, csv_of(SPARE, INSTALLED))
    assert preview.status_code == 200
    assert 'data-count="create"><span class="tile__value">2<' in preview.text
    assert Terminal.objects.count() == 0

    done = client.post("/terminals/pool/import/confirm/")
    assert done.status_code == 302
    assert Terminal.objects.count() == 2


def test_the_page_shows_row_errors_and_offers_no_confirmation(world, operator):
    client = signed_in(operator)

    response = upload(client, csv_of("SP9,nope,PAX,A920 Pro,PayDroid 9.1,wifi,,sh-1,,"))

    assert "No provider has the code nope." in response.text
    assert "Import these rows" not in response.text
    assert client.post("/terminals/pool/import/confirm/").status_code == 302
    assert Terminal.objects.count() == 0


def test_only_operator_admins_may_import(world, agent):
    assert upload(signed_in(agent), csv_of(SPARE)).status_code == 403
