"""Query parameters of API v1, checked once: a malformed value is a 400 naming it."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from panels import codes
from panels.gene_search import genes_named
from panels.models import Entity, Gene
from panels.services import parse_version

from api.v1.errors import InvalidParameter

TRUE_VALUES = {"true", "1", "yes"}
HGNC_ID = re.compile(r"[Hh][Gg][Nn][Cc]:[0-9]{1,9}")
# What an entity found by another name than its gene's current symbol says it was matched by.
MATCHED_ALIAS = "alias"
FALSE_VALUES = {"false", "0", "no", ""}


def check_characters(query: QueryDict, path: Mapping[str, Any]) -> None:
    """No NUL character in any value: PostgreSQL refuses them in text, so they never reach a query."""
    values = [(name, value) for name, values in query.lists() for value in values] + list(path.items())
    for name, value in values:
        if "\x00" in str(value):
            raise InvalidParameter(f"Incorrect {name}: NUL characters are not allowed.")


def comma_list(params: Mapping[str, str], name: str) -> list[str]:
    """``a,b,,c`` to ``["a", "b", "c"]``; absent or empty to ``[]``."""
    return [item.strip() for item in params.get(name, "").split(",") if item.strip()]


def boolean(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name, "").strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise InvalidParameter(f"Incorrect {name} {params[name]!r}: expected true or false.")


def optional_boolean(params: Mapping[str, str], name: str) -> bool | None:
    """As ``boolean``, but None when the parameter is absent (a filter not asked for)."""
    return boolean(params, name) if name in params else None


def version(params: Mapping[str, str]) -> tuple[int, int] | None:
    """The ``version`` parameter as ``(major, minor)``, or None when absent."""
    if "version" not in params:
        return None
    try:
        return parse_version(params["version"])
    except ValidationError as error:
        raise InvalidParameter(error.messages[0]) from None


def confidence_level(params: Mapping[str, str]) -> int | None:
    """0 to 3; upstream's 4 ("green, and ready") counts as 3. The schema declares exactly these."""
    value = params.get("confidence_level", "").strip()
    if not value:
        return None
    if value not in {"0", "1", "2", "3", "4"}:
        raise InvalidParameter(f"Incorrect confidence level {value!r}: expected 0, 1, 2 or 3.")
    return min(int(value), 3)


def min_confidence(params: Mapping[str, str]) -> int | None:
    """``min_confidence``: this colour or better (0 to 3, upstream's 4 counting as 3, as ``confidence_level``)."""
    value = params.get("min_confidence", "").strip()
    if not value:
        return None
    if value not in {"0", "1", "2", "3", "4"}:
        raise InvalidParameter(f"Incorrect min_confidence {value!r}: expected 0, 1, 2 or 3.")
    return min(int(value), 3)


def hgnc_ids(values: list[str]) -> list[str]:
    """HGNC ids as HGNC writes them (``HGNC:583``); anything else is a 400 naming it."""
    for value in values:
        if not HGNC_ID.fullmatch(value):
            raise InvalidParameter(f"Incorrect hgnc_id {value!r}: expected HGNC:<number>, e.g. HGNC:583.")
    return ["HGNC:" + value[5:] for value in values]


def changed_since(params: Mapping[str, str]) -> datetime | None:
    """``changed_since``: an ISO 8601 time (``2026-12-01T00:00:00Z``); without an offset it is UTC."""
    value = params.get("changed_since", "").strip()
    if not value:
        return None
    try:
        # RFC 3339 allows a lower-case t and z, and a space for the T; Python reads them upper-case.
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        # In UTC: Python takes offsets up to a day, PostgreSQL only up to 15:59.
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: a year-1 or year-9999 time moved past the calendar
        raise InvalidParameter(
            f"Incorrect changed_since {value!r}: expected an ISO 8601 time, e.g. 2026-12-01T00:00:00Z."
        ) from None


def phenotype_codes(params: Mapping[str, str]) -> list[list[str]]:
    """``hpo``, ``omim``, ``orphanet``, ``disorder``: the codes each asks for (``panels.codes.requested_codes``)."""
    try:
        return codes.requested_codes(params)
    except ValidationError as error:
        raise InvalidParameter(error.messages[0]) from None


def integer(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidParameter(f"Incorrect {name} {value!r}: expected a number.")
    return int(value)


def choice(params: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = params.get(name, "").strip() or default
    if value not in choices:
        raise InvalidParameter(f"Incorrect {name} {value!r}: expected one of {', '.join(choices)}.")
    return value


@dataclass(frozen=True)
class EntityFilter:
    """The filters every entity list takes (cross-panel lists add panel ones).

    A gene is named by its symbol, by an HGNC id (``HGNC:583``, in the names or
    in ``hgnc_id``) or by an older symbol or alias HGNC lists for it
    (``gene_data.alias``): symbols change, ids do not. Names that are nobody's
    current symbol are looked up among the aliases (``resolved``), and an
    entity found that way says so (``matched``).
    """

    entity_names: list[str]
    confidence_level: int | None
    tags: list[str]
    hgnc_ids: list[str] = field(default_factory=list)
    min_confidence: int | None = None
    # Upstream's flag (added by a reviewer, awaiting a curator): a live mark, read from the entity rows.
    flagged: bool | None = None
    # Asked name -> the current symbol of the gene that has it as an alias (filled by ``resolved``).
    aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping[str, str], entity_names: str | None = None) -> "EntityFilter":
        # A name in the path (genes/BRCA1,BRCA2/) wins over the query parameter.
        names = comma_list({"entity_name": entity_names}, "entity_name") if entity_names else None
        names = names if names is not None else comma_list(params, "entity_name")
        ids = [name for name in names if HGNC_ID.fullmatch(name)]
        return cls(
            entity_names=[name for name in names if name not in ids],
            confidence_level=confidence_level(params),
            tags=comma_list(params, "tags"),
            # Split on commas and spaces only: what the schema's pattern for hgnc_id allows.
            hgnc_ids=hgnc_ids(
                ids + [value.strip(" ") for value in params.get("hgnc_id", "").split(",") if value.strip(" ")]
            ),
            min_confidence=min_confidence(params),
            flagged=optional_boolean(params, "flagged"),
        ).resolved()

    @classmethod
    def for_name(cls, name: str) -> "EntityFilter":
        """One entity by name (or by HGNC id, or a gene's alias), as a detail path names it."""
        if HGNC_ID.fullmatch(name):
            return cls([], None, [], hgnc_ids=hgnc_ids([name]))
        return cls([name], None, []).resolved()

    def resolved(self) -> "EntityFilter":
        """This filter with the asked names that are a gene's alias (and no gene's symbol) mapped to that gene.

        One query, only when names are asked for. HGNC's previous symbols are
        among a gene's aliases (as upstream stores them), so an old symbol
        finds the gene under its current one.
        """
        if not self.entity_names:
            return self
        genes = list(genes_named(self.entity_names).values_list("hgnc_symbol", "alias"))
        current = {symbol for symbol, _ in genes}
        aliases = {
            name: symbol
            for symbol, alias in genes
            for name in alias
            if name in self.entity_names and name not in current
        }
        return EntityFilter(**{**self.__dict__, "aliases": aliases})

    @property
    def names_anything(self) -> bool:
        return bool(self.entity_names or self.hgnc_ids)

    def apply(self, entities: QuerySet[Entity]) -> QuerySet[Entity]:
        """Filter current entities in the database."""
        if self.names_anything:
            named = Q(entity_name__in=self.entity_names)
            if self.aliases:
                named |= Q(gene__in=Gene.objects.filter(hgnc_symbol__in=set(self.aliases.values())).values("pk"))
            if self.hgnc_ids:
                named |= Q(gene__in=Gene.objects.filter(hgnc_id__in=self.hgnc_ids).values("pk"))
            entities = entities.filter(named)
        if self.confidence_level is not None:
            entities = entities.filter(confidence_level=self.confidence_level)
        if self.min_confidence is not None:
            entities = entities.filter(confidence_level__gte=self.min_confidence)
        if self.flagged is not None:
            entities = entities.filter(flagged=self.flagged)
        if self.tags:
            # A subquery, not a join: no duplicates to remove.
            entities = entities.filter(pk__in=Entity.objects.filter(tags__name__in=self.tags).values("pk"))
        return entities

    def by_flag(self, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A stored version's entities (each with its ``panel``) kept by the flag their rows carry now.

        The flag is a live mark, not part of what a version served: an old
        version's entities are filtered by whether they await approval today.
        """
        if self.flagged is None:
            return entities
        from panels.flags import flagged_keys

        flagged = flagged_keys({entity["panel"]["id"] for entity in entities})
        return [
            entity
            for entity in entities
            if ((entity["panel"]["id"], entity["entity_type"], entity["entity_name"]) in flagged) == self.flagged
        ]

    def matches(self, entity: Mapping) -> bool:
        """For entities already rendered (a stored version): same rules as the database filter."""
        gene = entity.get("gene_data") or {}
        named = (
            entity["entity_name"] in self.entity_names
            or gene.get("gene_symbol") in self.aliases.values()
            or gene.get("hgnc_id") in self.hgnc_ids
        )
        level = int(entity["confidence_level"])
        return (
            (not self.names_anything or named)
            and (self.confidence_level is None or level == self.confidence_level)
            and (self.min_confidence is None or level >= self.min_confidence)
            and (not self.tags or any(tag in entity["tags"] for tag in self.tags))
        )

    def marked(self, entity: dict[str, Any]) -> dict[str, Any]:
        """``entity`` with ``"matched": "alias"`` when it was found only by an alias of its gene.

        Upstream's shape is kept whenever the asked name is the current one:
        the key is there only to tell a client its name is out of date.
        """
        gene = entity.get("gene_data") or {}
        if (
            self.aliases
            and entity["entity_name"] not in self.entity_names
            and gene.get("hgnc_id") not in self.hgnc_ids
            and gene.get("gene_symbol") in self.aliases.values()
        ):
            return {**entity, "matched": MATCHED_ALIAS}
        return entity
