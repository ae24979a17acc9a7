"""Evidence uploads are judged by their content, size and name (tickets.evidence)."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.errors import DomainError
from tickets import evidence
from tickets.evidence import checked_upload, safe_name, storage_name

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)


def image_bytes(image_format: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(DomainError) as caught:
        checked_upload(upload(name, content))
    assert caught.value.field == "file"
    return str(caught.value)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_it_accepts_a_jpeg_photo():
    content = image_bytes("JPEG")

    checked = checked_upload(upload("IMG_0042.jpeg", content, "image/jpeg"))

    assert checked.content_type == "image/jpeg"
    assert checked.safe_name == "IMG_0042.jpg"
    # Stored as the picture alone, encoded again: same image, not the same bytes.
    with Image.open(io.BytesIO(checked.content)) as stored, Image.open(io.BytesIO(content)) as sent:
        assert (stored.format, stored.size) == ("JPEG", sent.size)
    assert checked.size == len(checked.content)
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()


def test_a_photo_loses_its_gps_position_and_comments():
    picture = Image.new("RGB", (32, 24), "white")
    exif = Image.Exif()
    exif[0x8825] = {2: (31.0, 14.0, 0.0), 4: (121.0, 28.0, 0.0)}  # GPSInfo: Shanghai
    sent = io.BytesIO()
    picture.save(sent, "JPEG", exif=exif, comment=b"shop at 1 Nanjing Road")
    assert b"Nanjing" in sent.getvalue()

    checked = checked_upload(upload("shop.jpg", sent.getvalue(), "image/jpeg"))

    assert b"Nanjing" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as stored:
        assert not stored.getexif().get_ifd(0x8825)


def test_it_accepts_a_png_screenshot():
    checked = checked_upload(upload("screen.png", image_bytes("PNG"), "image/png"))

    assert (checked.content_type, checked.safe_name) == ("image/png", "screen.png")


def test_it_accepts_a_pdf_notice():
    checked = checked_upload(upload("notice.pdf", MINIMAL_PDF, "application/pdf"))

    assert (checked.content_type, checked.safe_name) == ("application/pdf", "notice.pdf")


def test_a_png_named_pdf_is_kept_as_a_png_with_the_right_extension():
    checked = checked_upload(upload("receipt.pdf", image_bytes("PNG"), "application/pdf"))

    assert (checked.content_type, checked.safe_name) == ("image/png", "receipt.png")


def test_it_refuses_html_named_like_a_photo():
    message = refusal("photo.jpg", b"<html><script>alert(1)</script></html>")

    assert message == "This file is not a JPEG, PNG or PDF."


def test_it_refuses_a_png_signature_followed_by_garbage():
    message = refusal("screen.png", evidence.PNG_SIGNATURE + b"\x00garbage" * 50)

    assert "damaged or incomplete" in message


def test_it_refuses_a_jpeg_cut_off_halfway():
    content = image_bytes("JPEG", (300, 200))

    assert "damaged or incomplete" in refusal("photo.jpg", content[: len(content) // 2])


def test_it_refuses_a_pdf_without_its_end_of_file_marker():
    message = refusal("notice.pdf", b"%PDF-1.7\n<html><body>not really a pdf</body></html>")

    assert message == "This PDF is incomplete or damaged."


def test_it_refuses_an_empty_file():
    assert refusal("photo.jpg", b"") == "This file is empty."


def test_it_refuses_a_file_over_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 2048

    message = refusal("big.png", image_bytes("PNG", (800, 800)) + b"\x00" * 4096)

    assert message == "This file is larger than 2 KB."


def test_the_default_limit_reads_as_ten_megabytes(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    big = upload("big.pdf", b"")
    big.size = 10 * 1024 * 1024 + 1

    with pytest.raises(DomainError, match=r"^This file is larger than 10 MB\.$"):
        checked_upload(big)


def test_it_never_reads_more_than_the_limit_when_the_declared_size_lies(settings):
    settings.UPLOAD_MAX_BYTES = 2048
    content = MINIMAL_PDF + b"%" * 10_000
    lying = upload("notice.pdf", content)
    lying.size = 100
    reads: list[int] = []
    real_read = lying.file.read
    lying.file.read = lambda n=-1: reads.append(n) or real_read(n)

    with pytest.raises(DomainError, match="larger than"):
        checked_upload(lying)
    assert reads == [2049]


def test_it_refuses_an_image_with_too_many_pixels(monkeypatch):
    monkeypatch.setattr(evidence, "MAX_PIXELS", 100)

    assert "too many pixels" in refusal("photo.png", image_bytes("PNG", (20, 20)))


def test_it_refuses_a_decompression_bomb_without_decoding_it():
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (
        evidence.PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + png_chunk(b"IEND", b"")
    )

    assert "too many pixels" in refusal("bomb.png", bomb)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.jpg", "passwd.png"),
        ("..\\..\\win.png", "win.png"),
        ("C:\\Users\\shop\\Desktop\\小票.png", "小票.png"),
        ("..", "evidence.png"),
        ("", "evidence.png"),
        (".htaccess", "htaccess.png"),
        ("photo\x00.php.png", "photo.php.png"),
        ("ph\x01o\nto\r.png", "photo.png"),
        ("invoice\u202egnp.exe", "invoicegnp.png"),
        ("CON.png", "evidence.png"),
        ("lpt1.txt.png", "evidence.png"),
        ('a<b>c:"d|e?*.png', "a_b_c_d_e.png"),
        ("收银台 照片.PNG", "收银台 照片.png"),
    ],
)
def test_names_are_cleaned_and_get_the_real_extension(name, expected):
    assert safe_name(name, "png") == expected


@pytest.mark.parametrize("name", ["../../etc/passwd.jpg", "..\\..\\passwd.jpg"])
def test_an_upload_named_to_escape_its_folder_keeps_only_its_last_part(name):
    checked = checked_upload(upload(name, image_bytes("PNG")))

    assert checked.safe_name == "passwd.png"


def test_names_are_normalised_to_nfc():
    decomposed = "Cafe\u0301.jpg"

    assert safe_name(decomposed, "jpg") == "Caf\u00e9.jpg"


def test_long_names_are_cut_to_a_hundred_characters_keeping_the_extension():
    name = safe_name("终端" * 200 + ".jpg", "jpg")

    assert len(name) == 100
    assert name.endswith("终端.jpg")


def test_stored_names_are_random_and_never_from_the_upload():
    checked = checked_upload(upload("../../收银台.png", image_bytes("PNG")))

    first, second = storage_name(checked), storage_name(checked)

    assert first != second
    assert first.endswith(".png")
    assert len(first) == 32 + len(".png")
    assert all(c in "0123456789abcdef" for c in first.removesuffix(".png"))
