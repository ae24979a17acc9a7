"""Evidence files: judged by what they contain, never by their name or declared type.

A merchant's photo of the screen, a receipt or a provider's notice is kept only if it really
is a JPEG, PNG or PDF, is not empty and not over `settings.UPLOAD_MAX_BYTES`. The name the
merchant gave is kept for display only, cleaned and with the extension of the real type; the
file is stored under a random name (`storage_name`).

Images are decoded and encoded again, so what is stored is only the picture: nothing hidden
after its end or in its metadata (comments, EXIF with the shop's GPS position) survives.
A PDF is kept as sent, but refused if it carries active content (scripts, launch actions,
embedded files, forms) anywhere, including inside compressed object streams, or if it is
encrypted and so cannot be inspected.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import warnings
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from portal.errors import DomainError

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
# Readers look for the end-of-file marker within the last kilobyte (PDF 1.7, annex H).
PDF_EOF_WINDOW = 1024

# Keys that make a PDF do something rather than show something (ISO 32000-1, 12.6, 13.6, 7.11).
PDF_ACTIVE_KEYS = re.compile(
    rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|XFA|GoToR|SubmitForm|ImportData)"
    rb"(?=[\s/<>\[\]()%{}]|$)"
)
PDF_ENCRYPTED = re.compile(rb"/Encrypt(?=[\s/<>\[\]()%{}]|$)")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Inflating compressed streams to inspect them stops here (a zip bomb guard).
PDF_INFLATE_LIMIT = 64 * 1024 * 1024

# A phone photo is 12-50 megapixels. Past this an image costs more memory to check than a
# web worker should spend, and it is far more likely a decompression bomb than evidence.
MAX_PIXELS = 50_000_000

NAME_MAX_LENGTH = 100
# Characters that mean something to a shell, a file system or a Content-Disposition header.
UNSAFE_NAME_CHARACTERS = re.compile(r'[<>:"/\\|?*;`$%]+')
WINDOWS_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: its bytes, real type and a displayable name."""

    content: bytes
    content_type: str
    safe_name: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def checked_upload(upload: UploadedFile) -> CheckedFile:
    """The upload as a CheckedFile, or a DomainError (field "file") that says what is wrong."""
    content = _read_capped(upload)
    content_type = sniffed_type(content)
    if content_type in (JPEG, PNG):
        content = _reencoded(content, "JPEG" if content_type == JPEG else "PNG")
    return CheckedFile(
        content=content,
        content_type=content_type,
        safe_name=safe_name(upload.name or "", EXTENSIONS[content_type]),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def storage_name(checked: CheckedFile) -> str:
    """A random, unguessable file name: stored paths never come from what the user typed."""
    return f"{uuid.uuid4().hex}.{checked.extension}"


def sniffed_type(content: bytes) -> str:
    """The content type that the bytes themselves prove, after checking they are whole."""
    if content.startswith(JPEG_SIGNATURE):
        _check_image(content, "JPEG")
        return JPEG
    if content.startswith(PNG_SIGNATURE):
        _check_image(content, "PNG")
        return PNG
    if content.startswith(PDF_SIGNATURE):
        if b"%%EOF" not in content[-PDF_EOF_WINDOW:]:
            raise DomainError(_("This PDF is incomplete or damaged."), field="file")
        _check_pdf(content)
        return PDF
    raise DomainError(_("This file is not a JPEG, PNG or PDF."), field="file")


def safe_name(name: str, extension: str) -> str:
    """A display name safe anywhere: no folders, control characters or tricks; real extension.

    Unicode letters stay (Chinese file names are normal), in NFC form.
    """
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if c.isspace() else c for c in name if not _is_invisible(c))
    name = name.lstrip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = UNSAFE_NAME_CHARACTERS.sub("_", stem)
    stem = re.sub(r"\.{2,}", ".", re.sub(r"\s+", " ", stem)).strip(" ._")
    # NFKC folds look-alikes such as COM¹ (superscript one), which Windows also reserves.
    if unicodedata.normalize("NFKC", stem).casefold().split(".")[0] in WINDOWS_RESERVED_NAMES:
        stem = ""
    stem = stem[: NAME_MAX_LENGTH - len(extension) - 1].rstrip(" .")
    return f"{stem or 'evidence'}.{extension}"


def _read_capped(upload: UploadedFile) -> bytes:
    """The upload's bytes, never holding more than the limit plus one byte in memory."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)
    if not content:
        raise DomainError(_("This file is empty."), field="file")
    return content


def _too_large(limit: int) -> DomainError:
    return DomainError(
        _("This file is larger than %(limit)s.") % {"limit": _readable_size(limit)},
        field="file",
    )


def _readable_size(size: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


def _check_image(content: bytes, image_format: str) -> None:
    """Refuse an image that does not decode to its end, or would decode to too many pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[image_format]) as image:
                image.verify()
            with Image.open(io.BytesIO(content), formats=[image_format]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _too_many_pixels()
                if image_format == "JPEG":
                    # Decoding at 1/8 scale still reads every byte of the stream.
                    image.draft("RGB", (image.width // 8, image.height // 8))
                image.load()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Exception:  # Pillow's decoders raise many kinds of error on hostile input.
        raise DomainError(
            _("This %(format)s image is damaged or incomplete; take it again and re-send it.")
            % {"format": image_format},
            field="file",
        ) from None


def _reencoded(content: bytes, image_format: str) -> bytes:
    """The picture alone: decoded, turned upright, encoded again without metadata."""
    with Image.open(io.BytesIO(content), formats=[image_format]) as original:
        picture = ImageOps.exif_transpose(original)
        picture.info = {}  # no comments, EXIF, text chunks or other passengers
        out = io.BytesIO()
        if image_format == "JPEG":
            picture.convert("RGB").save(out, "JPEG", quality=90)
        else:
            picture.save(out, "PNG")
    return out.getvalue()


def _check_pdf(content: bytes) -> None:
    """Refuse a PDF with active content anywhere, or one that cannot be inspected.

    Names may be written with #xx escapes (/J#61vaScript), and objects may sit inside
    compressed object streams; both are undone before looking.
    """
    if PDF_ENCRYPTED.search(content):
        raise DomainError(
            _("This PDF is encrypted, so it cannot be checked; send it without a password."),
            field="file",
        )
    budget = PDF_INFLATE_LIMIT
    for part in _pdf_parts(content):
        budget -= len(part)
        if budget < 0:
            raise DomainError(_("This PDF is too complex to check."), field="file")
        decoded = PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), part)
        if PDF_ACTIVE_KEYS.search(decoded):
            raise DomainError(
                _(
                    "This PDF contains scripts, actions or embedded files. Send a plain PDF, "
                    "or a photo of the document."
                ),
                field="file",
            )


def _pdf_parts(content: bytes) -> list[bytes]:
    """The file itself and every compressed stream in it that inflates."""
    parts = [content]
    for match in PDF_STREAM.finditer(content):
        inflater = zlib.decompressobj()
        try:
            parts.append(inflater.decompress(match.group(1).strip(), PDF_INFLATE_LIMIT))
        except zlib.error:
            continue  # not Flate-encoded (an image, say): it holds no PDF objects to hide in
    return parts


def _too_many_pixels() -> DomainError:
    return DomainError(
        _("This image has too many pixels to check; send a smaller photo."), field="file"
    )


def _is_invisible(character: str) -> bool:
    """Control, format (e.g. right-to-left override), surrogate and unassigned characters."""
    return unicodedata.category(character).startswith("C")
