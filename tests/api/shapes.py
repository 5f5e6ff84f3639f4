"""Check responses against upstream PanelApp's documented shapes (upstream_v1_shapes.json)."""

import json
import re
from pathlib import Path
from typing import Any

SHAPES = json.loads((Path(__file__).parent / "upstream_v1_shapes.json").read_text())
# What this API adds after upstream's panel fields, in a panel's own object (not in the one an
# entity carries): upstream's Level4Title description and codes, which its API v1 leaves out.
SHAPES["panel_codes"] = [["description", "string"], ["omim", "list"], ["orphanet", "list"], ["hpo", "list"]]

CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "list": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "datetime": lambda v: (
        isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", v)
    ),
    "date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v),
    "version": lambda v: isinstance(v, str) and re.fullmatch(r"\d+\.\d+", v),
    "confidence": lambda v: v in ("0", "1", "2", "3"),
    "coordinates": lambda v: isinstance(v, list) and len(v) == 2 and all(isinstance(i, int) for i in v),
}


def fields(*shapes: str) -> list[tuple[str, str]]:
    return [tuple(field) for shape in shapes for field in SHAPES[shape]]


def assert_shape(data: dict[str, Any], *shapes: str, ordered: bool = True) -> None:
    """Same field names (in upstream's order) and a value of the documented type in each."""
    expected = fields(*shapes)
    names = [name for name, _ in expected]
    assert (list(data) if ordered else sorted(data)) == (names if ordered else sorted(names)), shapes
    for name, types in expected:
        assert any(CHECKS[t](data[name]) for t in types.split("|")), f"{shapes} {name}={data[name]!r} is not {types}"


def assert_panel(data: dict[str, Any], *extra: str, nested: bool = False) -> None:
    assert_shape(data, "panel", *(() if nested else ("panel_codes",)), *extra)
    assert_shape(data["stats"], "panel_stats")
    for panel_type in data["types"]:
        assert_shape(panel_type, "panel_type")


def assert_entity(data: dict[str, Any], with_panel: bool = True) -> None:
    shape = SHAPES[data["entity_type"]]
    names = [name for name, _ in shape if with_panel or name != "panel"]
    assert list(data) == names
    expected = {name: types for name, types in shape}
    for name in names:
        assert any(CHECKS[t](data[name]) for t in expected[name].split("|")), f"{name}={data[name]!r}"
    if data["gene_data"] is not None:
        assert_shape(data["gene_data"], "gene_data", ordered=False)
    if with_panel:
        assert_panel(data["panel"], nested=True)
