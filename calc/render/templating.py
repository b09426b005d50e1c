"""Jinja environments for Markdown, LaTeX and HTML, with escaping on by default.

Every value a template prints is escaped for its format unless it is ``Markup``: the math filters
return ``Markup`` (sympy's LaTeX of expressions whose symbol names were validated as identifiers),
while model names, layer names and any other user text are escaped, so a layer named
``conv_1&\\input{/etc/passwd}`` or ``<script>`` is printed as text and can inject nothing.
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import sympy as sp
from markupsafe import Markup

from calc.layers.base import format_shape
from calc.render import math

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "×": r"\(\times\)",
    "→": r"\(\rightarrow\)",
    "–": "--",
    "—": "---",
    "'": "'",
    "\n": " ",
    "·": r"\(\cdot\)",
    "…": r"\ldots{}",
    "−": "-",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
    "⌊": r"\(\lfloor\)",
    "⌋": r"\(\rfloor\)",
    "⌈": r"\(\lceil\)",
    "⌉": r"\(\rceil\)",
    "≤": r"\(\le\)",
    "≥": r"\(\ge\)",
    "≈": r"\(\approx\)",
    "≠": r"\(\ne\)",
    "²": r"\textsuperscript{2}",
    "³": r"\textsuperscript{3}",
    "°": r"\(^\circ\)",
    "±": r"\(\pm\)",
    "÷": r"\(\div\)",
    "ß": r"{\ss}",
    "æ": r"{\ae}",
    "Æ": r"{\AE}",
    "ø": r"{\o}",
    "Ø": r"{\O}",
    "å": r"{\aa}",
    "Å": r"{\AA}",
    "œ": r"{\oe}",
    "Œ": r"{\OE}",
    "ł": r"{\l}",
    "Ł": r"{\L}",
    "ı": r"{\i}",
    # braced, because a [ right after \\ or \item would be read as an optional argument
    "[": "{[}",
    "]": "{]}",
}
# Greek letters as math: γ -> \(\gamma\); capitals that look Latin (Α, Β, ...) are set as those letters.
_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "varsigma",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
_GREEK_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
for _offset, _name in enumerate(_GREEK):
    _LATEX_SPECIALS[chr(0x3B1 + _offset)] = r"\(o\)" if _name == "omicron" else rf"\(\{_name}\)"
    _capital = _name.capitalize()
    if _name != "varsigma":  # U+03A2 has no capital
        _LATEX_SPECIALS[chr(0x391 + _offset)] = (
            rf"\(\{_capital}\)" if _capital in _GREEK_CAPITALS else rf"\(\mathrm{{{_capital[0]}}}\)"
        )
# Accented Latin letters: LaTeX's accent commands, which every font pdflatex has can draw.
_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0308": '"',
    "\u0327": "c",
    "\u030c": "v",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u030a": "r",
    "\u030b": "H",
    "\u0328": "k",
}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]|~$])")


def escape_latex(text: str) -> str:
    """Plain text for LaTeX: specials escaped; accented Latin letters as accent commands (ü as \\"{u}),
    which every pdflatex has; any other character as {[}U+XXXX{]}. The brackets are braced, because
    a [ right after \\\\ or \\item would be read as an optional argument."""
    out = []
    for char in str(text):
        if char in _LATEX_SPECIALS:
            out.append(_LATEX_SPECIALS[char])
        elif ord(char) < 32:
            out.append(" ")
        elif ord(char) > 126:
            # a character no font has: its code point, braced so that after \\ it is not an optional argument
            out.append(_accented(char) or f"{{[}}U+{ord(char):04X}{{]}}")
        else:
            out.append(char)
    return "".join(out)


def _accented(char: str) -> str | None:
    """ü -> \\"{u}: a Latin letter with one accent, in LaTeX's accent commands; None for anything else."""
    parts = unicodedata.normalize("NFD", char)
    if len(parts) == 2 and parts[0].isascii() and parts[0].isalpha() and parts[1] in _ACCENTS:
        base = r"\i" if parts[0] == "i" else parts[0]
        return "\\" + _ACCENTS[parts[1]] + "{" + base + "}"
    return None


def escape_markdown(text: str) -> str:
    """Plain text for Markdown (and the HTML it becomes): specials backslash-escaped, <>& as entities."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def escape_html(text: str) -> str:
    """Plain text for HTML: <>&"' as entities. (Jupyter's MathJax reads $ and \\( in the page's text, so
    the HTML templates put user text inside class="tex2jax_ignore", where it is never typeset.)"""
    return html.escape(str(text), quote=True).replace("\n", " ")


_FORMATS: dict[str, tuple[Callable[[str], str], str, str]] = {
    # format: (escape, inline math open, inline math close)
    "latex": (escape_latex, r"\(", r"\)"),
    "markdown": (escape_markdown, "$", "$"),
    "text": (str, "", ""),  # plain text for terminals and JSON strings: nothing to escape, math in Unicode
    "html": (escape_html, r"\(", r"\)"),
}


def escape(fmt: str, text: str) -> str:
    """User text made safe for one format."""
    return _FORMATS[fmt][0](text)


def _remembered(escape: Callable[[str], str]) -> Callable[[str], str]:
    """``escape`` kept per short text: a long document prints the same words, types and numbers on every layer.
    Longer texts (a hostile name) are escaped afresh, so the memory kept stays small."""
    kept = functools.lru_cache(maxsize=4096)(escape)

    def escaped(text: str) -> str:
        return kept(text) if len(text) <= 80 else escape(text)

    return escaped


def prose_symbols(rule: Any) -> dict[str, sp.Symbol]:
    """The symbols of a rule that its sentences (``why``) typeset where they name them, by name, longest first.

    Only names that never read as a word are typeset: with an underscore or a digit (c_in, n_out, k_h, start_1)
    or a Greek letter's (gamma, phi). A single letter stays as written: a rule's ``a`` is also the article."""
    if rule is None:
        return {}
    names = {s.name: s for s in rule.expr.free_symbols if isinstance(s, sp.Symbol)}
    wanted = [n for n in names if "_" in n or any(c.isdigit() for c in n) or n in _GREEK_WORDS]
    return {name: names[name] for name in sorted(wanted, key=lambda n: (-len(n), n))}


_GREEK_WORDS = frozenset(_GREEK)


@functools.lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """The names as whole words: c_in, but not the c_in inside c_in_total or use_c_in."""
    return re.compile(r"(?<![A-Za-z0-9_])(?:" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z0-9_])")


def _escaping(escape: Callable[[str], str]) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if isinstance(value, Markup) or value is None:
            return "" if value is None else value
        if isinstance(value, sp.Basic):
            return math.plain(value)
        return escape(str(value))

    return finalize


def _markdown_code(text: str, escape: Callable[[str], str], language: str) -> str:
    """A fenced block; the fence is longer than any run of backticks inside, so nothing can close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def _latex_code(text: str, escape: Callable[[str], str], language: str) -> str:
    """alltt keeps spaces and line breaks; every character is escaped as in running text."""
    lines = [escape(line) for line in text.rstrip("\n").split("\n")]
    return "{\\small\n\\begin{alltt}\n" + "\n".join(lines) + "\n\\end{alltt}}"


def _html_code(text: str, escape: Callable[[str], str], language: str) -> str:
    return '<pre class="tex2jax_ignore"><code>' + html.escape(text.rstrip("\n")) + "</code></pre>"


# Where a long identifier may break across lines in a narrow table column: after _, and between a
# lower-case letter and a capital (global_average_pooling2d, GlobalAveragePooling2D).
_BREAKS = re.compile(r"(?<=_)|(?<=[a-z])(?=[A-Z])")

_CODE_BLOCKS = {"markdown": _markdown_code, "latex": _latex_code, "html": _html_code}


def _template_folders(override: Path | None) -> list[str]:
    folders = [str(override)] if override else []
    with contextlib.suppress(ModuleNotFoundError):  # a source checkout without installing has no calc.templates
        folders.append(str(resources.files("calc.templates")))
    folders.append(str(Path(__file__).resolve().parents[2] / "templates"))
    return folders


@functools.cache
def environment(fmt: str, override: Path | None = None) -> jinja2.Environment:
    """The Jinja environment of one format (``markdown``, ``latex``, ``html`` or ``text``).

    Templates are compiled afresh in each process, with no bytecode cache: Jinja's reads a pickle and
    marshalled code, so a file planted in the cache would run as calc. Compiling costs ~0.05 s a run."""
    escape, open_math, close_math = _FORMATS[fmt]
    escape = _remembered(escape)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_template_folders(override)),
        finalize=_escaping(escape),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )

    if fmt == "text":
        formula, numbers, shape = math.readable, math.readable_substituted, math.readable_shape
        written_in = math.readable_written_in
    else:
        formula, numbers, shape = math.tex, math.substituted, math.shape_tex
        written_in = math.written_in

    def written(view: Any) -> Markup:
        """A step view's formula (or a one-unit count's) with its numbers in place."""
        shown = getattr(view, "shown", None)
        return Markup(written_in(view.formula if shown is None else shown, view.numbers))

    def inline(expr: sp.Expr) -> Markup:
        return Markup(f"{open_math}{formula(expr)}{close_math}")

    def describe(parts: Sequence[Any]) -> Markup:
        """A layer's description: words escaped, expressions as inline math, (5, 5) as 5 × 5."""
        out = []
        times = " × " if fmt == "text" else r" \times "
        for part in parts:
            if isinstance(part, tuple):
                out.append(open_math + times.join(formula(p) for p in part) + close_math)
            elif isinstance(part, sp.Basic | int):
                out.append(str(inline(sp.Integer(part) if isinstance(part, int) else part)))
            else:
                out.append(escape(part))
        return Markup("".join(out))

    def symbol_in_prose(symbol: sp.Symbol) -> str:
        """A symbol in running text as the formulas beside it show it: inline math, or MathML on the HTML page."""
        if fmt == "html":
            from sympy.printing.mathml import mathml

            return "<math>" + mathml(symbol, printer="presentation") + "</math>"
        return open_math + formula(symbol) + close_math

    def prose(text: Any, rule: Any = None) -> Markup:
        """A rule's sentence (``why``) in running text: its words escaped as any text, and the rule's symbols it
        names typeset as the formulas beside it typeset them (c_in as c with subscript in, ``prose_symbols``)."""
        text = "" if text is None else str(text)
        symbols = prose_symbols(rule)
        if not symbols:
            return Markup(escape(text))
        out, last = [], 0
        for match in _names_pattern(tuple(symbols)).finditer(text):
            out += [escape(text[last : match.start()]), symbol_in_prose(symbols[match.group()])]
            last = match.end()
        return Markup("".join([*out, escape(text[last:])]))

    env.filters.update(
        prose=prose,
        tex=lambda expr: Markup(formula(expr)),
        substituted=lambda step: Markup(numbers(step)),
        written=written,
        shape=lambda value: Markup(shape(value)),
        inline=inline,
        describe=describe,
        text=lambda value: Markup(escape(str(value))),
        group=lambda value: Markup(escape(math.plain(value))),
        # a rule's left-hand side is written in LaTeX (n_{out}); plain text drops the markup
        lhs=lambda value: Markup(math.readable_lhs(value) if fmt == "text" else value),
        keras_shape=lambda shape: Markup(escape(format_shape(shape))),
        code_block=lambda text, language="": Markup(_CODE_BLOCKS[fmt](str(text), escape, language)),
        breakable=lambda value: Markup(
            r"\allowbreak{}".join(escape(part) for part in _BREAKS.split(str(value)))
            if fmt == "latex"
            else escape(str(value))
        ),
    )
    return env


def render(name: str, fmt: str | None = None, override: Path | None = None, **context: Any) -> str:
    """Render ``templates/<fmt>/<name>.j2``; ``name`` may be given as 'fmt/name'."""
    if fmt is None:
        fmt, name = name.split("/", 1)
    try:
        template = environment(fmt, override).get_template(f"{fmt}/{name}.j2")
    except jinja2.TemplateNotFound:
        raise LookupError(f"no template {fmt}/{name}.j2") from None
    return template.render(**context)
