"""Typed access to the environment, collecting every problem before failing.

Settings read each variable through one ``Env`` instance; at the end
``Env.check()`` raises a single ``ImproperlyConfigured`` naming every missing
or malformed variable, so an operator fixes a deployment in one round trip
instead of one variable per cold start.
"""

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = frozenset({"1", "true", "yes", "on", "t", "y"})
FALSE_VALUES = frozenset({"0", "false", "no", "off", "f", "n", ""})


class Env:
    """Reads variables from ``environ``; ``strict`` makes ``required=True`` count."""

    def __init__(self, environ: Mapping[str, str] | None = None, *, strict: bool = False) -> None:
        self.environ = os.environ if environ is None else environ
        self.strict = strict
        self.missing: list[str] = []
        self.invalid: list[str] = []

    def _raw(self, name: str, required: bool) -> str | None:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            if required and self.strict and name not in self.missing:
                self.missing.append(name)
            return None
        return value.strip()

    def str(self, name: str, default: str = "", *, required: bool = False) -> str:
        value = self._raw(name, required)
        return default if value is None else value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self._raw(name, False)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in TRUE_VALUES:
            return True
        if lowered in FALSE_VALUES:
            return False
        self.invalid.append(f"{name} must be a boolean (True/False), got {value!r}")
        return default

    def int(self, name: str, default: int = 0, *, required: bool = False) -> int:
        value = self._raw(name, required)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            self.invalid.append(f"{name} must be an integer, got {value!r}")
            return default

    def list(self, name: str, default: list[str] | None = None, *, required: bool = False) -> list[str]:
        value = self._raw(name, required)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def require_one_of(self, *groups: tuple[str, ...]) -> None:
        """Require every name of at least one group, e.g. DATABASE_URL or DATABASE_HOST+USER."""
        if not self.strict:
            return
        for group in groups:
            if all(self._raw(name, False) is not None for name in group):
                return
        first = [name for name in groups[-1] if self._raw(name, False) is None]
        alternatives = " or ".join("+".join(group) for group in groups)
        self.missing.extend(n for n in first if n not in self.missing)
        self.invalid.append(f"database settings need {alternatives}")

    def check(self) -> None:
        problems = []
        if self.missing:
            problems.append("missing required environment variables: " + ", ".join(self.missing))
        problems.extend(self.invalid)
        if problems:
            raise ImproperlyConfigured("PanelApp configuration error: " + "; ".join(problems))
