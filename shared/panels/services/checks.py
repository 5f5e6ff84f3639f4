"""Checks on what callers hand the services: field names, entity names, version numbers."""

import re
from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from panels.models import Entity

# An entity's name is part of its page's address. These are the characters
# upstream PanelApp routes in one (letters and digits of any script, "_", "-",
# ".", "$", "~", "@", "#" and the space), so a name stored here is one every
# PanelApp link and client can carry.

# An entity's name is part of its page's address. These are the characters
# upstream PanelApp routes in one (letters and digits of any script, "_", "-",
# ".", "$", "~", "@", "#" and the space), so a name stored here is one every
# PanelApp link and client can carry.
ENTITY_NAME_CHARACTERS = re.compile(r"[\w\-.$~@# ]")


def check_entity_name(name: str) -> str:
    """``name`` if an entity may be given it, else a ValidationError that says what to change."""
    limit = Entity._meta.get_field("entity_name").max_length
    if not name or not name.strip():
        raise ValidationError("An entity needs a name.", code="no_name")
    if name != name.strip():
        raise ValidationError(f"{name!r} starts or ends with a space.", code="bad_name")
    if len(name) > limit:
        raise ValidationError(f"An entity name has at most {limit} characters.", code="bad_name")
    refused = sorted({char for char in name if not ENTITY_NAME_CHARACTERS.fullmatch(char)})
    if refused:
        listed = ", ".join(repr(char) for char in refused)
        raise ValidationError(
            f"{name!r} cannot be an entity name: {listed} {'is' if len(refused) == 1 else 'are'} not allowed "
            "(letters, digits, spaces and - _ . $ ~ @ # are).",
            code="bad_name",
        )
    if not name.strip("."):
        raise ValidationError(f"{name!r} cannot be an entity name: it is only dots.", code="bad_name")
    return name


def parse_version(version: str) -> tuple[int, int]:
    """``"1.15"`` to ``(1, 15)``; anything else is a ValidationError."""
    major, dot, minor = str(version).partition(".")
    if not (dot and major.isdigit() and minor.isdigit() and major.isascii() and minor.isascii()):
        raise ValidationError(f"Incorrect version {version!r}: expected MAJOR.MINOR, e.g. 1.15.", code="bad_version")
    return int(major), int(minor)


def check_fields(fields: Mapping[str, Any], allowed: Collection[str], what: str) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(f"Not a field of a {what}: {', '.join(unknown)}.", code="unknown_field")
