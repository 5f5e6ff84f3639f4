"""The names panel downloads are saved under: the panel's name and its version, safe on any file system.

Upstream names a panel's TSV after the panel alone ("Hereditary ataxia.tsv"),
so every version of a panel downloaded into one folder overwrites the last;
here the version follows the name (``Hereditary ataxia-v1.2.tsv``). Panel
names are free text: anything a file system or a shell could misread (a
slash, a colon, a quote, a control or bidirectional character) becomes ``_``.
Letters outside ASCII are kept, and the header carries them twice: an ASCII
``filename`` for old clients and a UTF-8 ``filename*`` (RFC 6266) for the rest.
"""

import re
import unicodedata
from urllib.parse import quote

# Word characters (letters and digits of any script, "_") and a few harmless marks; the rest is replaced.
UNSAFE = re.compile(r"[^\w .,()+&-]+")
# File systems cap a name at 255 bytes: room for the version, details and extension after the panel's name.
MAX_NAME_CHARACTERS = 150


def panel_file_name(panel_name: str, version: str, extension: str, *details: str) -> str:
    """``Hereditary ataxia-v1.2.tsv``; ``details`` follow the version (``…-v1.2-GRCh38-34.bed``)."""
    return (
        "-".join([safe_name(panel_name), f"v{version}", *(safe_name(detail) for detail in details)]) + f".{extension}"
    )


def safe_name(text: str) -> str:
    """``text`` with every character outside the safe set replaced, spaces collapsed, never empty."""
    cleaned = " ".join(UNSAFE.sub("_", unicodedata.normalize("NFC", text)).split())
    # A leading dot would hide the file on Unix; a trailing one is dropped by Windows.
    return cleaned[:MAX_NAME_CHARACTERS].strip(" .") or "panel"


def ascii_fallback(file_name: str) -> str:
    """The name in ASCII: accents dropped (é to e), any other non-ASCII character replaced by ``_``."""
    return "".join(
        character if character.isascii() else (_unaccented(character) or "_")
        for character in unicodedata.normalize("NFC", file_name)
    )


def attachment_header(file_name: str) -> str:
    """``Content-Disposition`` for a download: ``filename``, plus ``filename*`` when the name is not ASCII."""
    fallback = ascii_fallback(file_name)
    header = f'attachment; filename="{fallback}"'
    if fallback != file_name:
        header += f"; filename*=UTF-8''{quote(file_name, safe='')}"
    return header


def _unaccented(character: str) -> str:
    return unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode()
