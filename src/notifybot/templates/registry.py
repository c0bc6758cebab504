"""Loading, resolving and rendering templates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from notifybot.envelope import Button
from notifybot.errors import (
    ConfigurationError,
    MissingVariable,
    TemplateError,
    TemplateSyntaxError,
    UnknownTemplate,
)

SUFFIX = ".j2"
CATEGORIES = frozenset({"utility", "authentication"})
_META = re.compile(r"^\{#-?\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>.*?)\s*-?#\}\s*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_UNDEFINED = re.compile(r"'(?P<name>[^']+)' is undefined")


@attrs.frozen
class Rendered:
    """A rendered message: text, buttons, and where it came from."""

    template: str
    locale: str | None
    text: str
    buttons: tuple[Button, ...]
    category: str


@attrs.frozen
class TemplateInfo:
    """One template file (one locale variant) after parsing."""

    name: str
    locale: str | None
    source: str
    body: str
    category: str
    buttons: tuple[tuple[str, str | None], ...]
    variables: frozenset[str]
    origin: str

    @property
    def key(self) -> str:
        return self.name if self.locale is None else f"{self.name}.{self.locale}"


def normalise_locale(locale: str) -> str:
    """BCP 47-ish canonical case: ``fr_ca`` / ``FR-ca`` → ``fr-CA``."""
    lang, _, region = locale.replace("_", "-").partition("-")
    if not region:
        return lang.lower()
    return f"{lang.lower()}-{region.upper() if len(region) == 2 else region}"


def _split_button(value: str) -> tuple[str, str]:
    """``Label | url`` split at the first ``|`` outside ``{{ … }}`` (filters stay intact)."""
    depth = 0
    for i, char in enumerate(value):
        if value.startswith("{{", i):
            depth += 1
        elif value.startswith("}}", i) and depth:
            depth -= 1
        elif char == "|" and depth == 0:
            return value[:i].strip(), value[i + 1 :].strip()
    return value.strip(), ""


def _split_meta(source: str, origin: str) -> tuple[dict[str, Any], str, int]:
    """Read the metadata lines at the top; return (meta, body, number of meta lines)."""
    meta_: dict[str, Any] = {"buttons": []}
    lines = source.splitlines(keepends=True)
    count = 0
    for line in lines:
        m = _META.match(line.strip())
        if not m:
            break
        count += 1
        key, value = m["key"], m["value"]
        if key == "button":
            label, url = _split_button(value)
            if not label:
                raise ConfigurationError(f"{origin}:{count}: a button needs a label")
            meta_["buttons"].append((label, url or None, count))
        elif key == "category":
            meta_["category"] = value
        else:
            raise ConfigurationError(f"{origin}: unknown template metadata {key!r}")
    return meta_, "".join(lines[count:]), count


class Templates:
    """A set of templates, from a directory or from a mapping ``{"name[.locale]": source}``."""

    def __init__(self, sources: Mapping[str, str] | None = None, *, origin: str = "") -> None:
        self.env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._infos: dict[str, TemplateInfo] = {}
        self._compiled: dict[str, tuple[jinja2.Template, tuple[tuple[Any, Any], ...]]] = {}
        for key, source in (sources or {}).items():
            self.add(key, source, origin=f"{origin}{key}{SUFFIX}")

    @classmethod
    def from_directory(cls, path: str | Path) -> Templates:
        """Load every ``*.j2`` file under ``path`` (not recursive)."""
        root = Path(path)
        if not root.is_dir():
            raise ConfigurationError(f"template directory {str(root)!r} does not exist")
        templates = cls()
        for file in sorted(root.glob(f"*{SUFFIX}")):
            templates.add(file.name[: -len(SUFFIX)], file.read_text("utf-8"), origin=str(file))
        return templates

    def add(self, key: str, source: str, *, origin: str = "") -> TemplateInfo:
        """Register one template variant; ``key`` is ``name`` or ``name.locale``."""
        name, _, locale = key.partition(".")
        locale = normalise_locale(locale) if locale else ""
        if not _NAME.match(name) or (locale and not _LOCALE.match(locale)):
            raise ConfigurationError(
                f"bad template name {key!r}: use lower_snake_case, optionally '.fr' / '.fr-CA'"
            )
        origin = origin or f"{key}{SUFFIX}"
        meta_, body, skipped = _split_meta(source, origin)
        category = meta_.get("category", "utility")
        if category not in CATEGORIES:
            raise ConfigurationError(
                f"{origin}: category {category!r} is not allowed; notifybot sends only "
                f"{sorted(CATEGORIES)} templates (never marketing)"
            )
        variables: set[str] = set()
        buttons = []
        try:
            # Keep line numbers of the body equal to the file's by padding the header away.
            ast = self.env.parse("\n" * skipped + body)
            compiled = self.env.from_string("\n" * skipped + body)
            variables |= meta.find_undeclared_variables(ast)
            for label, url, lineno in meta_["buttons"]:
                try:
                    for part in (label, url or ""):
                        variables |= meta.find_undeclared_variables(self.env.parse(part))
                    buttons.append(
                        (self.env.from_string(label), self.env.from_string(url) if url else None)
                    )
                except jinja2.TemplateSyntaxError as exc:
                    exc.lineno = lineno
                    raise
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateSyntaxError(
                f"{origin}:{exc.lineno}: {exc.message}", template=name
            ) from None
        info = TemplateInfo(
            name=name,
            locale=locale or None,
            source=source,
            body=body,
            category=category,
            buttons=tuple((label, url) for label, url, _ in meta_["buttons"]),
            variables=frozenset(variables),
            origin=origin,
        )
        self._infos[info.key] = info
        self._compiled[info.key] = (compiled, tuple(buttons))
        return info

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._infos

    def names(self) -> list[str]:
        """Base template names (without locale)."""
        return sorted({info.name for info in self._infos.values()})

    def infos(self) -> Iterable[TemplateInfo]:
        return self._infos.values()

    def resolve(self, name: str, locale: str | None = None) -> TemplateInfo:
        """The most specific variant for ``locale``: ``fr-CA`` → ``fr`` → base."""
        candidates = []
        if locale:
            locale = normalise_locale(locale)
            candidates.append(f"{name}.{locale}")
            lang = locale.split("-")[0]
            if lang != locale:
                candidates.append(f"{name}.{lang}")
        candidates.append(name)
        for key in candidates:
            if key in self._infos:
                return self._infos[key]
        known = ", ".join(sorted(self._infos)) or "none"
        raise UnknownTemplate(
            f"no template {name!r} for locale {locale!r} (known: {known})", template=name
        )

    def render(
        self, name: str, variables: Mapping[str, Any], locale: str | None = None
    ) -> Rendered:
        """Render ``name`` in ``locale`` with ``variables``; typed errors on any problem."""
        info = self.resolve(name, locale)
        missing = sorted(info.variables - variables.keys())
        if missing:
            raise MissingVariable(missing[0], template=info.key)
        compiled, buttons = self._compiled[info.key]
        try:
            text = compiled.render(variables).strip()
            rendered_buttons = tuple(
                Button(label.render(variables).strip(), url.render(variables).strip() or None)
                if url is not None
                else Button(label.render(variables).strip())
                for label, url in buttons
            )
        except jinja2.UndefinedError as exc:
            m = _UNDEFINED.search(str(exc))
            if m:
                raise MissingVariable(m["name"], template=info.key) from None
            raise TemplateError(f"{info.key}: {exc}", template=info.key) from None
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateError(f"{info.key}: unsafe template: {exc}", template=info.key) from None
        except Exception as exc:  # a filter or a value's __str__ failing
            raise TemplateError(
                f"{info.key}: rendering failed: {type(exc).__name__}: {exc}", template=info.key
            ) from None
        if not text:
            raise TemplateError(f"{info.key}: rendered to empty text", template=info.key)
        return Rendered(info.name, info.locale, text, rendered_buttons, info.category)
