"""Spec text (YAML, JSON, TOML) parsed into plain data, with bounds on what a few bytes can become.

- YAML aliases are refused: ``&a [*b, *b, ...]`` nested ten deep turns 500 bytes into billions of
  values, and a spec has no need of them (a repeated block is written ``Repeat``).
- A key written twice in one mapping is refused in every format, instead of the last one silently winning.
- An integer literal longer than ``MAX_DIGITS`` is refused while parsing: such a number is no size,
  and Python itself refuses to convert one past 4,300 digits.
"""

from __future__ import annotations

import json
from typing import Any

from calc.errors import CalcError

#: The longest integer literal read from a file; the expression parser takes 18 digits, Keras configs fewer.
MAX_DIGITS = 100


def parse_json(text: str, what: str | None = None) -> Any:
    """JSON with bounded integers and no key written twice in one object; ``what`` names a part of a file."""
    try:
        return json.loads(text, parse_int=_integer, parse_constant=_constant, object_pairs_hook=_unique)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}: {error.msg}"
        raise CalcError(f"{what} is malformed JSON at {where}" if what else f"malformed JSON at {where}") from None
    except RecursionError:
        raise CalcError(f"{what or 'the file'} is nested too deeply") from None


def parse_toml(text: str) -> Any:
    import tomllib  # imported only for the files that need it

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CalcError(f"malformed TOML: {error}") from None
    except ValueError:  # int() past Python's digit limit, raised by tomllib outside its own error type
        raise CalcError(f"malformed TOML: a number longer than {MAX_DIGITS} digits") from None


def parse_yaml(text: str) -> Any:
    """YAML by PyYAML's Python parser, not libyaml's: libyaml recurses in C, and a file nested a million
    brackets deep would crash the process; here the recursion stops with RecursionError."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CalcError(f"malformed YAML{where}: {problem}") from None


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise CalcError(
            f"the number {digits[:12]}... is too long ({len(digits):,} digits, at most {MAX_DIGITS} digits)"
        )
    return int(digits)


def _constant(name: str) -> float:
    raise CalcError(f"{name} is not a number a model can hold")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) < len(pairs):
        _duplicate([key for key, _ in pairs])
    return mapping


def _duplicate(keys: list[Any]) -> None:
    seen: set[Any] = set()
    for key in keys:
        if key in seen:
            raise CalcError(f"the key {_short(key)} is written twice in one mapping")
        seen.add(key)


def _short(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 40 else text[:37] + "..."


_LOADER: Any = None


def _loader() -> Any:
    """PyYAML's SafeLoader without aliases, duplicate keys or integers past MAX_DIGITS (built once)."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    class SpecLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                mark = event.start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"an alias (*{event.anchor[:40]}); write the value out, aliases are not read", mark
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
                if len(set(keys)) < len(keys):
                    try:
                        _duplicate(keys)
                    except CalcError as error:
                        mark = node.start_mark
                        raise CalcError(f"{error.message} (the mapping at line {mark.line + 1})") from None
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node: Any) -> Any:
            if len(str(node.value)) > MAX_DIGITS + 4:  # room for a sign, 0x and _ separators
                mark = node.start_mark
                raise CalcError(f"the number at line {mark.line + 1} is too long (at most {MAX_DIGITS} digits)")
            return super().construct_yaml_int(node)

    SpecLoader.add_constructor("tag:yaml.org,2002:int", SpecLoader.construct_yaml_int)
    _LOADER = SpecLoader
    return SpecLoader
