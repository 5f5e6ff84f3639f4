"""Query parameters of API v1, checked once: a malformed value is a 400 naming it."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from panels.models import Entity
from panels.services import parse_version

from api.v1.errors import InvalidParameter

TRUE_VALUES = {"true", "1", "yes"}
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
    """The filters every entity list takes (cross-panel lists add panel ones)."""

    entity_names: list[str]
    confidence_level: int | None
    tags: list[str]

    @classmethod
    def from_params(cls, params: Mapping[str, str], entity_names: str | None = None) -> "EntityFilter":
        # A name in the path (genes/BRCA1,BRCA2/) wins over the query parameter.
        names = comma_list({"entity_name": entity_names}, "entity_name") if entity_names else None
        return cls(
            entity_names=names if names is not None else comma_list(params, "entity_name"),
            confidence_level=confidence_level(params),
            tags=comma_list(params, "tags"),
        )

    def apply(self, entities: QuerySet[Entity]) -> QuerySet[Entity]:
        """Filter current entities in the database."""
        if self.entity_names:
            entities = entities.filter(entity_name__in=self.entity_names)
        if self.confidence_level is not None:
            entities = entities.filter(confidence_level=self.confidence_level)
        if self.tags:
            # A subquery, not a join: no duplicates to remove.
            entities = entities.filter(pk__in=Entity.objects.filter(tags__name__in=self.tags).values("pk"))
        return entities

    def matches(self, entity: Mapping) -> bool:
        """For entities already rendered (a stored version): same rules as the database filter."""
        return (
            (not self.entity_names or entity["entity_name"] in self.entity_names)
            and (self.confidence_level is None or entity["confidence_level"] == str(self.confidence_level))
            and (not self.tags or any(tag in entity["tags"] for tag in self.tags))
        )
