"""The relay's OpenAPI document (shipped as ``openapi.json``) and validation against it.

:class:`OpenApi` indexes the document's operations by method and path template (aiohttp's
canonical route, e.g. ``/v1/keys/{address}/{device_id}``) and validates path parameters,
request bodies and response bodies with the schemas the document states.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from notifybot.errors import ConfigurationError
from notifybot.relay.schema import SchemaViolation, Validator, check_supported

_METHODS = ("get", "put", "post", "delete", "patch")


def load_document() -> dict[str, Any]:
    """The OpenAPI document shipped with the package."""
    text = resources.files("notifybot.relay").joinpath("openapi.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


class OpenApi:
    """Validation of requests and responses against one OpenAPI document."""

    def __init__(self, doc: Mapping[str, Any] | None = None) -> None:
        self.doc: Mapping[str, Any] = doc if doc is not None else load_document()
        self._validator = Validator(self.doc)
        self._ops: dict[tuple[str, str], Mapping[str, Any]] = {}
        for schema_name, schema in self.doc["components"]["schemas"].items():
            check_supported(schema, f"#/components/schemas/{schema_name}")
        for path, item in self.doc["paths"].items():
            for method, operation in item.items():
                if method not in _METHODS:
                    raise ConfigurationError(f"unexpected key {method!r} under path {path}")
                self._ops[(method.upper(), path)] = operation
                for param in operation.get("parameters", ()):
                    check_supported(param["schema"], f"{path} {method} {param['name']}")

    @property
    def validator(self) -> Validator:
        return self._validator

    @property
    def json_text(self) -> str:
        return json.dumps(self.doc, separators=(",", ":"))

    def operation(self, method: str, path: str) -> Mapping[str, Any] | None:
        return self._ops.get((method.upper(), path))

    def public(self, method: str, path: str) -> bool:
        """True when the operation declares that it needs no token (``security: []``)."""
        op = self.operation(method, path)
        return op is not None and op.get("security") == []

    def schema(self, name: str) -> Mapping[str, Any]:
        return self._validator.resolve(f"#/components/schemas/{name}")

    def validate(self, value: Any, schema_name: str) -> None:
        """Validate ``value`` against a named component schema."""
        self._validator.validate(value, self.schema(schema_name))

    def validate_request(
        self, method: str, path: str, params: Mapping[str, str], body: Any
    ) -> None:
        """Raise :class:`SchemaViolation` if the request does not match its operation."""
        op = self.operation(method, path)
        if op is None:
            raise SchemaViolation("", f"no operation {method} {path} in the API document")
        for param in op.get("parameters", ()):
            if param["in"] == "path":
                value = params.get(param["name"], "")
                self._validator.validate(value, param["schema"], f"path:{param['name']}")
        request_body = op.get("requestBody")
        if request_body is None:
            if body is not None:
                raise SchemaViolation("", "this operation takes no request body")
            return
        if body is None:
            raise SchemaViolation("", "a JSON request body is required")
        schema = request_body["content"]["application/json"]["schema"]
        self._validator.validate(body, schema, "body")

    def validate_response(self, method: str, path: str, status: int, body: Any) -> None:
        """Raise :class:`SchemaViolation` if the response is not one the document declares."""
        op = self.operation(method, path)
        if op is None:
            raise SchemaViolation("", f"no operation {method} {path} in the API document")
        response = op["responses"].get(str(status))
        if response is None:
            raise SchemaViolation("", f"status {status} is not declared for {method} {path}")
        content = response.get("content")
        if content is None:
            return
        self._validator.validate(body, content["application/json"]["schema"], "response")
