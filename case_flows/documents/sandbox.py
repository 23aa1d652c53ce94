"""The sandbox document templates are rendered in: Django's template language with a short list
of tags and filters, no loader (nothing to include or extend), no library to load, and a
context of read-only plain data (variables.py), so a template reaches nothing but what it is
given: no model, no query, no file.

`template_check` says, in the editor's language, what is wrong with a template before it is
saved (a refused tag, a script, a reference to the network, a syntax error, with its line);
`render_body` renders a checked template.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import Lexer, TokenType
from django.utils.translation import gettext_lazy as _

from workflows.errors import WorkflowError

MAX_BODY_CHARS = 60_000

# The tags a document template may use (and their closing and middle parts).
ALLOWED_TAGS = (
    "if",
    "for",
    "with",
    "firstof",
    "cycle",
    "resetcycle",
    "ifchanged",
    "regroup",
    "spaceless",
    "filter",
    "comment",
    "now",
    "verbatim",
    "templatetag",
    "widthratio",
)
INNER_TAGS = frozenset(
    {"else", "elif", "empty", *(f"end{tag}" for tag in ALLOWED_TAGS)}
) | frozenset(ALLOWED_TAGS)
# Named in the refusal: they reach files, other templates, the database or the debug dump.
FORBIDDEN_TAGS = frozenset(
    {"load", "include", "extends", "block", "debug", "ssi", "url", "csrf_token", "autoescape"}
)
# Filters left out: those that switch escaping off (safe, safeseq), dump objects (pprint),
# make links or scripts (urlize, json_script, escapejs) or pad to any length (center, ljust,
# rjust: a template could ask for gigabytes).
REFUSED_FILTERS = frozenset(
    {
        "safe",
        "safeseq",
        "pprint",
        "urlize",
        "urlizetrunc",
        "json_script",
        "escapejs",
        "center",
        "ljust",
        "rjust",
        "random",
    }
)

register = Library()
for _name in ALLOWED_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name, _function in defaulttags.register.filters.items():  # none today; kept explicit
    if _name not in REFUSED_FILTERS:
        register.filters[_name] = _function
for _name, _function in defaultfilters.register.filters.items():
    if _name not in REFUSED_FILTERS:
        register.filters[_name] = _function


class SandboxEngine(Engine):
    # Django's own builtins (every default tag, include and extends among them) are not
    # loaded: only this module's library is.
    default_builtins: list[str] = []


ENGINE = SandboxEngine(
    loaders=[],
    libraries={},
    builtins=[__name__],
    autoescape=True,
    string_if_invalid="",
    debug=True,  # only for the line number of a syntax error
)

# Markup that a document never needs and that would run or fetch something.
ACTIVE_MARKUP = re.compile(
    r"<\s*(script|iframe|frame|object|embed|link|meta|base|form|input|button|svg|math)\b"
    r"|\son[a-z]+\s*=|javascript:|@import",
    re.IGNORECASE,
)
NETWORK_REFERENCE = re.compile(
    r"""(src|href)\s*=\s*["']?\s*(https?:|//|file:|ftp:)|url\(\s*["']?\s*(https?:|//|file:)""",
    re.IGNORECASE,
)


class TemplateRefused(WorkflowError):
    """The template cannot be saved or rendered; `message` says why, in the user's language."""


def _line_of(body: str, position: int) -> int:
    return body.count("\n", 0, position) + 1


def _check_markup(body: str) -> None:
    active = ACTIVE_MARKUP.search(body)
    if active:
        raise TemplateRefused(
            _(
                "Line %(line)s: “%(found)s” is not allowed in a document template: scripts,"
                " frames, forms, event handlers and embedded objects are refused."
            )
            % {"line": _line_of(body, active.start()), "found": active.group(0).strip()}
        )
    network = NETWORK_REFERENCE.search(body)
    if network:
        raise TemplateRefused(
            _(
                "Line %(line)s: a document cannot fetch anything from the network or from a"
                " file (“%(found)s”). Use the office's letterhead for the logo."
            )
            % {"line": _line_of(body, network.start()), "found": network.group(0).strip()}
        )


def _check_tags(body: str) -> None:
    for token in Lexer(body).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        parts = token.split_contents()
        name = parts[0] if parts else ""
        if name in FORBIDDEN_TAGS:
            raise TemplateRefused(
                _(
                    "Line %(line)s: the tag {%% %(tag)s %%} is not allowed in a document"
                    " template. A template uses only the variables listed next to the editor,"
                    " with these tags: %(allowed)s."
                )
                % {"line": token.lineno, "tag": name, "allowed": ", ".join(ALLOWED_TAGS)}
            )
        if name not in INNER_TAGS:
            raise TemplateRefused(
                _(
                    "Line %(line)s: {%% %(tag)s %%} is not a tag document templates know. They"
                    " may use: %(allowed)s."
                )
                % {"line": token.lineno, "tag": name[:40], "allowed": ", ".join(ALLOWED_TAGS)}
            )


def template_compile(body: str):
    """The compiled template, or TemplateRefused with the reason and its line."""
    if not body or not body.strip():
        raise TemplateRefused(_("The template is empty."))
    if len(body) > MAX_BODY_CHARS:
        raise TemplateRefused(
            _("The template is too long: at most %(max)s characters.") % {"max": MAX_BODY_CHARS}
        )
    _check_markup(body)
    _check_tags(body)
    try:
        return ENGINE.from_string(body)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        refused_filter = re.match(r"Invalid filter: '([^']+)'", str(exc))
        if refused_filter:
            message = _("the filter “%(filter)s” is not available in document templates.") % {
                "filter": refused_filter.group(1)
            }
        else:
            message = str(exc)
        raise TemplateRefused(
            _("Line %(line)s: %(error)s") % {"line": debug.get("line", "?"), "error": message}
        ) from None


def frozen(value: Any) -> Any:
    """Read-only plain data: dicts become mapping proxies, lists tuples (a template cannot
    call `.clear` or `.pop` on what it is given); strings, numbers, None and booleans stay."""
    if isinstance(value, dict):
        return MappingProxyType({str(k): frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"A document template is given plain data only, not {type(value).__name__}.")


def render_body(body: str, variables: dict) -> str:
    """The template rendered with `variables` (plain data, frozen here). A template that
    fails while rendering (it passed the checks) is refused with the reason."""
    template = template_compile(body)
    try:
        return template.render(
            Context({str(k): frozen(v) for k, v in variables.items()}, autoescape=True)
        )
    except Exception as exc:  # a filter given an argument it cannot use, say
        raise TemplateRefused(
            _("The template could not be rendered: %(error)s") % {"error": exc}
        ) from None
