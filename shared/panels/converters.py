"""Entity names in addresses: any stored name is one path segment, and comes back exactly.

An entity's name is part of its page's address, ``/panels/<id>/<type>/<name>/``,
as in upstream PanelApp. New names are checked on the way in
(``services.check_entity_name``), but rows written earlier, by SQL or by an
older import may hold anything, and a page that links to one of them must
still render. Three kinds of name cannot be a segment as they are: one with a
``/`` (it would be two segments), ``add`` (the add form's address) and ``.`` or
``..`` (browsers resolve them away). The converter escapes just those, with
``%`` (itself escaped as ``%25``), so ordinary names keep the addresses they
always had.
"""

from urllib.parse import quote, unquote

# What reverse() leaves unquoted in a path (django.urls.resolvers), less "/", which a segment here never holds.
PATH_SAFE = "!$&'()*+,;=~:@"
RESERVED = frozenset({"add", ".", ".."})


def escape(name: str) -> str:
    """``name`` as the text of one segment: ``%`` and ``/`` percent-escaped, a reserved name's first letter too."""
    escaped = name.replace("%", "%25").replace("/", "%2F")
    if escaped in RESERVED:
        escaped = f"%{ord(escaped[0]):02X}{escaped[1:]}"
    return escaped


def entity_segment(name: str) -> str:
    """The segment reverse() builds for ``name``: for pages that link to thousands of entities without it."""
    return quote(escape(name), safe=PATH_SAFE)


class EntityNameConverter:
    """``<entity:name>``: a segment, possibly empty (a row may hold an empty name), unescaped exactly."""

    regex = "[^/]*"

    def to_python(self, value: str) -> str:
        name = unquote(value) if "%" in value else value
        if "\x00" in name:
            raise ValueError("No entity name holds a NUL.")  # PostgreSQL refuses it: no match, a 404
        return name

    def to_url(self, value: str) -> str:
        return escape(value)
