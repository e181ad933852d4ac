"""Static-site markup that no reader should see, removed wherever it appears.

Markdown handbooks and built sites carry their generator's syntax in the text: Hugo
shortcodes (``{{< figure … >}}``, ``{{% notice %}}``), Liquid/Jinja tags
(``{% include x.html %}``, ``{# note #}``), kramdown and Pandoc attribute markers
(``## Levels {#levels}``, ``{: .note}``) and HTML comments. The markers go; the text
between a paired shortcode's opening and closing markers stays, since it is the content.
Every pattern has a bounded length, so an unclosed ``{{<`` costs a bounded scan and
the pass stays linear in the text's size.
"""

from __future__ import annotations

import re

_SITE_MARKUP = re.compile(
    r"\{\{[<%].{0,500}?[>%]\}\}"  # Hugo shortcodes, paired or not
    r"|\{%.{0,500}?%\}"  # Liquid / Jinja tags
    r"|\{#[^{}\n]{0,200}\}"  # {#id} attribute markers, {# … #} template comments
    r"|\{:[^{}\n]{0,300}\}"  # kramdown inline attribute lists
    r"|<!--.{0,20000}?-->",  # HTML comments
    re.DOTALL,
)
#: Fenced code, where such syntax is the content being shown (a Hugo tutorial).
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def strip_site_markup(text: str) -> str:
    """``text`` without static-site markers (each replaced by a space)."""
    return _SITE_MARKUP.sub(" ", text) if ("{" in text or "<!--" in text) else text


def strip_outside_code(body: str) -> str:
    """A Markdown body with site markup removed outside fenced code blocks.

    Done before parsing, so a shortcode spanning lines or written without spaces
    (``{{<hint>}}``, which a Markdown parser would read as an HTML tag) goes whole.
    """
    if "{" not in body and "<!--" not in body:
        return body
    parts: list[str] = []
    prose: list[str] = []
    fence = ""
    for line in body.splitlines(keepends=True):
        inside = fence
        fence = code_fence(line, fence)
        if inside or fence:  # a fence line, or code
            parts.append(strip_site_markup("".join(prose)))
            prose = []
            parts.append(line)
        else:
            prose.append(line)
    parts.append(strip_site_markup("".join(prose)))
    return "".join(parts)


def code_fence(line: str, fence: str) -> str:
    """The fence open after ``line`` ("" outside code), given the one open before it."""
    opened = _FENCE.match(line)
    if fence:
        closes = opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence)
        return "" if closes else fence
    return opened.group(1) if opened else ""
