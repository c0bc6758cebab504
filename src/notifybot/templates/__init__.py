"""Jinja templates for notifications: sandboxed, strict, localised, linted at start-up.

A template is a file ``NAME.j2`` with optional locale variants ``NAME.fr.j2``,
``NAME.fr-CA.j2``. Lookup goes from the most specific locale to the base file. A template may
start with metadata lines in Jinja comments::

    {#- category: utility -#}
    {#- button: View boarding pass | {{ boarding_url }} -#}
    Hello {{ name }}, your boarding pass for {{ flight }} is ready.

``button`` lines (repeatable) declare a label and an optional URL, both rendered with the
message's variables. Autoescape is off (chat text, not HTML).
"""

from notifybot.templates.registry import Rendered, TemplateInfo, Templates

__all__ = ["Rendered", "TemplateInfo", "Templates"]
