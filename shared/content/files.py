"""What curators may upload for the home page, and how it is checked.

Files travel through the web function in one form post, so that uploading
works without JavaScript; the ALB stops request bodies at 1 MB, hence the
limit below, with room for the form's other fields. Larger files are not
home page material (link to them where they live).

The extension decides the type the media bucket serves the file with
(django-storages guesses it from the name), and the first bytes must match
it: a page of HTML renamed ``logo.png`` is refused, so no upload becomes a
document a browser would run. SVG is refused for the same reason (it may
carry script).
"""

from dataclasses import dataclass

MAX_BYTES = 900 * 1024


@dataclass(frozen=True)
class Kind:
    label: str
    is_image: bool
    signatures: tuple[bytes, ...] = ()  # empty: any content (text files, served as downloads)


ZIP = (b"PK\x03\x04",)
KINDS: dict[str, Kind] = {
    ".png": Kind("PNG image", True, (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": Kind("JPEG image", True, (b"\xff\xd8\xff",)),
    ".jpeg": Kind("JPEG image", True, (b"\xff\xd8\xff",)),
    ".gif": Kind("GIF image", True, (b"GIF87a", b"GIF89a")),
    ".webp": Kind("WebP image", True, (b"RIFF",)),
    ".pdf": Kind("PDF document", False, (b"%PDF-",)),
    ".xlsx": Kind("Excel workbook", False, ZIP),
    ".docx": Kind("Word document", False, ZIP),
    ".pptx": Kind("PowerPoint presentation", False, ZIP),
    ".txt": Kind("text file", False),
    ".csv": Kind("CSV file", False),
    ".tsv": Kind("TSV file", False),
}


def accepted_extensions() -> str:
    """The extensions, for people: ``.png, .jpg, ...``."""
    return ", ".join(KINDS)


def kind_of(name: str, head: bytes) -> Kind | None:
    """The kind of a file named ``name`` that starts with ``head``; None when it is not accepted."""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = KINDS.get(extension)
    if kind is None:
        return None
    if kind.signatures and not head.startswith(kind.signatures):
        return None
    if extension == ".webp" and head[8:12] != b"WEBP":
        return None
    return kind
