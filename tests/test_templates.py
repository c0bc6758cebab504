"""Templates: locale fallback, strict variables, sandbox, metadata header, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifybot.envelope import Button
from notifybot.errors import (
    ConfigurationError,
    MissingVariable,
    Refusal,
    TemplateError,
    TemplateSyntaxError,
    UnknownTemplate,
)
from notifybot.templates import Templates

GREETING = {
    "greet": "Hello {{ name }}",
    "greet.fr": "Bonjour {{ name }}",
    "greet.fr-CA": "Allô {{ name }}",
}


# locale fallback ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "expected", "variant"),
    [
        ("fr-CA", "Allô Ana", "fr-CA"),
        ("fr-BE", "Bonjour Ana", "fr"),  # no fr-BE file → fr
        ("fr", "Bonjour Ana", "fr"),
        ("de", "Hello Ana", None),  # no German at all → base
        ("de-AT", "Hello Ana", None),
        (None, "Hello Ana", None),
    ],
)
def test_locale_fallback(locale: str | None, expected: str, variant: str | None) -> None:
    rendered = Templates(GREETING).render("greet", {"name": "Ana"}, locale)
    assert rendered.text == expected
    assert rendered.locale == variant
    assert rendered.template == "greet"


def test_fr_ca_falls_back_to_base_when_no_french_variant_exists() -> None:
    t = Templates({"greet": "Hello {{ name }}"})
    assert t.render("greet", {"name": "Ana"}, "fr-CA").text == "Hello Ana"


def test_locale_lookup_ignores_case() -> None:
    assert Templates(GREETING).render("greet", {"name": "Ana"}, "fr-ca").text == "Allô Ana"


def test_unknown_template_is_typed_and_names_it() -> None:
    with pytest.raises(UnknownTemplate) as info:
        Templates(GREETING).render("nope", {})
    assert info.value.template == "nope"
    assert "nope" in str(info.value)
    assert isinstance(info.value, Refusal) and not info.value.retryable


def test_unknown_locale_without_base_is_unknown_template() -> None:
    t = Templates({"greet.fr": "Bonjour {{ name }}"})
    assert t.render("greet", {"name": "A"}, "fr-CA").text == "Bonjour A"
    for locale in ("de", "en-GB", None):
        with pytest.raises(UnknownTemplate) as info:
            t.render("greet", {"name": "A"}, locale)
        assert info.value.template == "greet"


# missing variables -------------------------------------------------------------------------
def test_missing_variable_names_variable_and_template() -> None:
    with pytest.raises(MissingVariable) as info:
        Templates(GREETING).render("greet", {}, "fr")
    assert info.value.variable == "name"
    assert info.value.template == "greet.fr"
    assert "'name'" in str(info.value) and "greet.fr" in str(info.value)


def test_variable_used_only_in_button_url_is_required() -> None:
    src = "{#- button: Open booking | https://air.example/trips/{{ pnr }} -#}\nYou are checked in."
    t = Templates({"checkin": src})
    with pytest.raises(MissingVariable) as info:
        t.render("checkin", {})
    assert (info.value.variable, info.value.template) == ("pnr", "checkin")
    rendered = t.render("checkin", {"pnr": "ABC123"})
    assert rendered.buttons == (Button("Open booking", "https://air.example/trips/ABC123"),)


def test_variable_used_only_in_button_label_is_required() -> None:
    t = Templates({"x": "{#- button: Seat {{ seat }} -#}\nChecked in."})
    with pytest.raises(MissingVariable) as info:
        t.render("x", {})
    assert info.value.variable == "seat"
    assert t.render("x", {"seat": "1A"}).buttons == (Button("Seat 1A"),)


@pytest.mark.parametrize("vip", [True, False])
def test_variable_used_only_in_if_branch_is_required(vip: bool) -> None:
    # Strict: a variable the template can use must be given even if the branch is not taken,
    # so the error does not depend on the data.
    t = Templates({"x": "Checked in.{% if vip %} Lounge {{ lounge }}.{% endif %}"})
    with pytest.raises(MissingVariable) as info:
        t.render("x", {"vip": vip})
    assert (info.value.variable, info.value.template) == ("lounge", "x")
    assert t.render("x", {"vip": vip, "lounge": "L2"}).text == (
        "Checked in. Lounge L2." if vip else "Checked in."
    )


def test_missing_attribute_of_a_given_variable_is_template_error() -> None:
    t = Templates({"x": "Flight {{ flight.code }}"})
    with pytest.raises(TemplateError) as info:
        t.render("x", {"flight": {}})
    assert info.value.template == "x"


def test_value_whose_str_raises_is_template_error_not_crash() -> None:
    class Bad:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(TemplateError) as info:
        Templates({"x": "Hi {{ v }}"}).render("x", {"v": Bad()})
    assert "boom" in str(info.value)


def test_template_rendering_to_blank_text_is_refused() -> None:
    with pytest.raises(TemplateError):
        Templates({"x": "{{ v }}"}).render("x", {"v": "   "})


# syntax errors -----------------------------------------------------------------------------
def test_syntax_error_reports_file_and_line() -> None:
    src = "{#- category: utility -#}\nline two\nline three {{ oops }\n"
    with pytest.raises(TemplateSyntaxError) as info:
        Templates({"broken": src})
    assert str(info.value).startswith("broken.j2:3:")
    assert info.value.template == "broken"


def test_syntax_error_in_directory_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "ok.j2").write_text("fine")
    (tmp_path / "bad.fr.j2").write_text("a\nb\n{% if x %}never closed\n")
    with pytest.raises(TemplateSyntaxError) as info:
        Templates.from_directory(tmp_path)
    assert str(tmp_path / "bad.fr.j2") in str(info.value)
    assert ".j2:" in str(info.value)


def test_syntax_error_in_button_reports_its_line() -> None:
    src = "{#- category: utility -#}\n{#- button: Go | https://x.example/{{ a } -#}\nhi"
    with pytest.raises(TemplateSyntaxError) as info:
        Templates({"b": src})
    assert str(info.value).startswith("b.j2:2:")


def test_button_label_may_use_a_filter() -> None:
    src = "{#- button: Hi {{ name|upper }} | https://x.example/{{ id }} -#}\nhi"
    rendered = Templates({"b": src}).render("b", {"name": "ana", "id": "7"})
    assert rendered.buttons == (Button("Hi ANA", "https://x.example/7"),)


# sandbox and escaping ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "expr",
    [
        "''.__class__.__mro__",
        "''.__class__.__mro__[1].__subclasses__()",
        "v.__class__",
        "v.__init__.__globals__",
        "cycler.__init__.__globals__",
    ],
)
def test_sandbox_blocks_dunder_access_with_typed_error(expr: str) -> None:
    t = Templates({"x": "Hi {{ " + expr + " }}"})
    with pytest.raises(TemplateError) as info:
        t.render("x", {"v": "text"})
    assert info.value.template == "x"
    assert "unsafe" in str(info.value)


def test_sandbox_blocks_calling_unsafe_methods_of_values() -> None:
    class Booking:
        def cancel(self) -> str:
            return "cancelled"

        cancel.unsafe_callable = True  # type: ignore[attr-defined]

    with pytest.raises(TemplateError):
        Templates({"x": "{{ b.cancel() }}"}).render("x", {"b": Booking()})


def test_autoescape_is_off_for_chat_text() -> None:
    t = Templates({"x": "Fare {{ a }} & {{ b }}"})
    text = t.render("x", {"a": "<1000 CAD>", "b": "Tom & Jerry's"}).text
    assert text == "Fare <1000 CAD> & Tom & Jerry's"


# metadata header ---------------------------------------------------------------------------
def test_metadata_header_category_and_rendered_buttons() -> None:
    src = (
        "{#- category: authentication -#}\n"
        "{#- button: View trip {{ pnr }} | https://air.example/t/{{ pnr }} -#}\n"
        "{#- button: Call us -#}\n"
        "Your code is {{ code }}."
    )
    t = Templates({"otp": src})
    info = t.resolve("otp")
    assert info.category == "authentication"
    assert info.variables == {"pnr", "code"}
    rendered = t.render("otp", {"pnr": "ABC123", "code": "4711"})
    assert rendered.category == "authentication"
    assert rendered.text == "Your code is 4711."  # header lines are not part of the text
    assert rendered.buttons == (
        Button("View trip ABC123", "https://air.example/t/ABC123"),
        Button("Call us", None),
    )


def test_default_category_is_utility() -> None:
    assert Templates({"x": "hi"}).resolve("x").category == "utility"


@pytest.mark.parametrize(
    "header",
    [
        "{#- category: marketing -#}",
        "{#- category: promotional -#}",
        "{#- colour: blue -#}",
        "{#- button:  | https://x.example -#}",
    ],
)
def test_bad_metadata_is_configuration_error(header: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Templates({"x": header + "\nhi"})
    assert "x.j2" in str(info.value)


def test_marketing_category_message_explains_rule() -> None:
    with pytest.raises(ConfigurationError, match="marketing"):
        Templates({"x": "{#- category: marketing -#}\nhi"})


@pytest.mark.parametrize(
    "key", ["Greet", "1greet", "greet-x", "greet.fr.ca", "greet.f", "", "gr eet"]
)
def test_bad_template_names_are_refused(key: str) -> None:
    with pytest.raises(ConfigurationError):
        Templates({key: "hi"})


@pytest.mark.parametrize("key", ["greet", "greet_2", "greet.fr", "greet.fr-CA", "greet.ast"])
def test_good_template_names_are_accepted(key: str) -> None:
    assert key in Templates({key: "hi"})


# from_directory ----------------------------------------------------------------------------
def test_from_directory(tmp_path: Path) -> None:
    (tmp_path / "gate.j2").write_text("{#- category: utility -#}\nGate {{ gate }}\n", "utf-8")
    (tmp_path / "gate.fr.j2").write_text("Porte {{ gate }}\n", "utf-8")
    (tmp_path / "README.md").write_text("not a template")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "hidden.j2").write_text("not loaded (not recursive)")
    t = Templates.from_directory(tmp_path)
    assert t.names() == ["gate"]
    assert t.render("gate", {"gate": "B4"}, "fr-CA").text == "Porte B4"
    assert t.render("gate", {"gate": "B4"}).text == "Gate B4"
    assert t.resolve("gate", "fr").origin == str(tmp_path / "gate.fr.j2")


def test_from_directory_missing_is_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        Templates.from_directory(tmp_path / "absent")


def test_from_directory_bad_file_name_is_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "Boarding Pass.j2").write_text("hi")
    with pytest.raises(ConfigurationError):
        Templates.from_directory(tmp_path)
