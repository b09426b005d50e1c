"""calc's Markdown (with $-delimited math) as the HTML that course platforms show, typeset by MathJax.

Math becomes ``\\(...\\)`` and ``\\[...\\]``, the delimiters Moodle, Canvas and PrairieLearn's MathJax
read. Everything else is text: raw HTML in the Markdown is shown, never run (calc's templates already
write ``<`` in a name as an entity), and text that holds a backslash or a dollar sign is put in a
``tex2jax_ignore`` span, so a layer named ``\\(x\\)`` is never typeset either.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from calc.errors import CalcError

EXTRA = "export"  # the pyproject extra that brings markdown-it-py and mdit-py-plugins


@cache
def _parser() -> Any:
    try:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin
    except ImportError:
        raise CalcError(
            f"exporting to a course platform needs calc's '{EXTRA}' extra: pip install 'calc[{EXTRA}]'"
        ) from None

    def math(content: str, options: dict[str, Any]) -> str:
        open_, close = (r"\[", r"\]") if options.get("display_mode") else (r"\(", r"\)")
        return open_ + html.escape(content, quote=False) + close

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.use(dollarmath_plugin, renderer=math, allow_digits=False, allow_space=False)

    def text(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        content = html.escape(tokens[idx].content, quote=False)
        if "\\" in content or "$" in content:
            return f'<span class="tex2jax_ignore">{content}</span>'
        return content

    md.add_render_rule("text", text)
    return md


def markdown_html(text: str) -> str:
    """calc's Markdown as HTML with MathJax delimiters."""
    return _parser().render(text).strip()


def plain_html(text: str) -> str:
    """Plain text (calc's diagnosis) as HTML paragraphs, never typeset."""
    paragraphs = [html.escape(line, quote=False) for line in text.split("\n") if line.strip()]
    return "".join(f'<p class="tex2jax_ignore">{line}</p>' for line in paragraphs)
