"""Every API route describes its answer: the OpenAPI document (/api/v1/openapi.json) gives each
route's success response a schema (a typed pydantic response model), so clients and reviewers
can read what a route returns. Issue 14: most TMS and history routes returned `dict[str, Any]`
and the document said nothing about them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trdcare.adapters.web.app import OPENAPI_URL, create_app
from web_support import make_settings

# Routes still answering an untyped JSON object. The list may only shrink: a route added
# without a response model fails the walk, and a route typed since must leave the list.
NOT_YET_TYPED: frozenset[str] = frozenset()


def _document(tmp_path: Path) -> dict[str, Any]:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'openapi.db'}", tmp_path))
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


def _described(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    """A schema that names its fields: a model, a list of models, or an object with
    properties (a bare ``{"type": "object", "additionalProperties": true}`` is not)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _described(components[name], components)
    if schema.get("type") == "array":
        return _described(schema.get("items", {}), components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return bool(options) and all(_described(s, components) for s in options)
    return bool(schema.get("properties"))


def _untyped_routes(document: dict[str, Any]) -> set[str]:
    components = document.get("components", {}).get("schemas", {})
    untyped = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content", {})
                if "application/json" not in content:
                    continue  # an HTML page or a file, not a JSON answer
                schema = content["application/json"].get("schema", {})
                if not _described(schema, components):
                    untyped.add(f"{method.upper()} {path}")
    return untyped


def test_the_walk_sees_every_api_route(tmp_path: Path) -> None:
    document = _document(tmp_path)
    assert OPENAPI_URL.startswith("/api/v1")
    paths = document["paths"]
    assert "/api/v1/patients" in paths and "/api/v1/tms/check" in paths
    assert len(paths) > 40


def test_every_route_has_a_described_success_response(tmp_path: Path) -> None:
    untyped = _untyped_routes(_document(tmp_path))
    new = sorted(untyped - NOT_YET_TYPED)
    assert not new, "routes without a typed response model: " + ", ".join(new)
    typed_since = sorted(NOT_YET_TYPED - untyped)
    assert not typed_since, "typed now, remove from NOT_YET_TYPED: " + ", ".join(typed_since)


@pytest.mark.parametrize(
    ("schema", "described"),
    [
        ({"type": "object", "additionalProperties": True}, False),
        ({"type": "array", "items": {"type": "object", "additionalProperties": True}}, False),
        ({"type": "object", "properties": {"ref": {"type": "string"}}}, True),
        ({"$ref": "#/components/schemas/X"}, True),
        ({"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]}, True),
    ],
)
def test_the_rule_itself(schema: dict[str, Any], described: bool) -> None:
    components = {"X": {"type": "object", "properties": {"a": {"type": "integer"}}}}
    assert _described(schema, components) is described
