"""A small JSON Schema validator for the subset the relay's OpenAPI document uses.

Supported keywords: ``$ref`` (local, ``#/components/schemas/...``), ``type`` (a name or a list
of names), ``properties``, ``required``, ``additionalProperties`` (boolean or schema),
``items``, ``minItems``, ``maxItems``, ``minLength``, ``maxLength``, ``pattern``, ``enum``,
``minimum``, ``maximum``. Any other keyword in the document is a programmer error and is
reported when the document is loaded (see :func:`check_supported`), so the validator can never
silently ignore a constraint the document states.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from notifybot.errors import ConfigurationError

_KEYWORDS = frozenset(
    {
        "$ref", "type", "properties", "required", "additionalProperties", "items",
        "minItems", "maxItems", "minLength", "maxLength", "pattern", "enum",
        "minimum", "maximum", "description", "title", "format", "example",
    }
)  # fmt: skip


class SchemaViolation(ValueError):
    """A document does not match its schema; ``path`` points at the offending value."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path or "/"
        super().__init__(f"{self.path}: {message}")


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _type_ok(value: Any, name: str) -> bool:
    match name:
        case "string":
            return isinstance(value, str)
        case "integer":
            return type(value) is int
        case "number":
            return type(value) in (int, float)
        case "boolean":
            return type(value) is bool
        case "object":
            return isinstance(value, dict)
        case "array":
            return isinstance(value, list)
        case "null":
            return value is None
    raise ConfigurationError(f"unknown JSON Schema type {name!r}")


class Validator:
    """Validates values against schemas that may ``$ref`` into ``root``."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self._root = root

    def resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise ConfigurationError(f"only local $ref are supported, not {ref!r}")
        node: Any = self._root
        for part in ref[2:].split("/"):
            node = node[part]
        return node  # type: ignore[no-any-return]

    def validate(self, value: Any, schema: Mapping[str, Any], path: str = "") -> None:
        """Raise :class:`SchemaViolation` unless ``value`` matches ``schema``."""
        if "$ref" in schema:
            schema = self.resolve(schema["$ref"])
        types = schema.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else list(types)
            if not any(_type_ok(value, n) for n in names):
                raise SchemaViolation(path, f"expected {' or '.join(names)}")
        if "enum" in schema and value not in schema["enum"]:
            raise SchemaViolation(path, f"must be one of {schema['enum']}")
        if isinstance(value, str):
            self._string(value, schema, path)
        elif isinstance(value, bool):
            pass
        elif isinstance(value, int | float):
            if "minimum" in schema and value < schema["minimum"]:
                raise SchemaViolation(path, f"must be >= {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                raise SchemaViolation(path, f"must be <= {schema['maximum']}")
        elif isinstance(value, list):
            self._array(value, schema, path)
        elif isinstance(value, dict):
            self._object(value, schema, path)

    def _string(self, value: str, schema: Mapping[str, Any], path: str) -> None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise SchemaViolation(path, f"shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise SchemaViolation(path, f"longer than {schema['maxLength']} characters")
        if "pattern" in schema and not _regex(schema["pattern"]).search(value):
            raise SchemaViolation(path, f"does not match {schema['pattern']!r}")

    def _array(self, value: list[Any], schema: Mapping[str, Any], path: str) -> None:
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise SchemaViolation(path, f"fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise SchemaViolation(path, f"more than {schema['maxItems']} items")
        items = schema.get("items")
        if items is not None:
            for i, item in enumerate(value):
                self.validate(item, items, f"{path}/{i}")

    def _object(self, value: dict[str, Any], schema: Mapping[str, Any], path: str) -> None:
        for name in schema.get("required", ()):
            if name not in value:
                raise SchemaViolation(path, f"missing required property {name!r}")
        props: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                self.validate(item, props[key], f"{path}/{key}")
            elif extra is False:
                raise SchemaViolation(path, f"unexpected property {key!r}")
            elif isinstance(extra, Mapping):
                self.validate(item, extra, f"{path}/{key}")


def check_supported(node: Any, where: str = "") -> None:
    """Fail loudly if a schema uses a keyword this validator does not implement."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in _KEYWORDS:
                raise ConfigurationError(f"unsupported JSON Schema keyword {key!r} at {where}")
            if key == "properties":
                for name, sub in value.items():
                    check_supported(sub, f"{where}/properties/{name}")
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                check_supported(value, f"{where}/{key}")
