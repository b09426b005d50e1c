"""Examples in README.md and docs/*.md, found by markers rather than by heading text.

A marker is an HTML comment (invisible on GitHub and on the site) on its own line, followed by a blank
line and a fenced block, ``<!-- test: NAME -->``: ``block`` returns that block's text. A stretch of prose is put between
``<!-- test: NAME -->`` and ``<!-- end: NAME -->``: ``region`` returns it. Each marker must be on its
page exactly once, so a test can never pass because the example it reads has vanished or moved.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.conftest import ROOT


def page(path: str | Path) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def _after(path: str | Path, name: str) -> str:
    text = page(path)
    marker = f"<!-- test: {name} -->"
    assert text.count(marker) == 1, f"{path}: the marker <!-- test: {name} --> is not there exactly once"
    return text.split(marker, 1)[1]


def block(path: str | Path, name: str) -> str:
    """The text of the fenced block right after the marker (without its fences)."""
    after = _after(path, name).lstrip("\n")
    assert after.startswith("```"), f"{path}: no fenced block right after <!-- test: {name} -->"
    return after.split("\n", 1)[1].split("```", 1)[0]


def region(path: str | Path, name: str) -> str:
    """The text between ``<!-- test: NAME -->`` and ``<!-- end: NAME -->``."""
    after = _after(path, name)
    end = f"<!-- end: {name} -->"
    assert end in after, f"{path}: <!-- test: {name} --> has no {end}"
    return after.split(end, 1)[0]


def commands(text: str) -> list[tuple[list[str], list[str]]]:
    """Each ``$ calc ...`` line of a block, as arguments after ``calc`` (a trailing ``  # comment`` left out),
    with the lines shown after it up to the next ``$`` line."""
    found: list[tuple[list[str], list[str]]] = []
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            words = shlex.split(line[2:].split("  #", 1)[0])
            assert words[0] == "calc", line
            found.append((words[1:], []))
        elif found:
            found[-1][1].append(line)
    return found


def check_shown(run, args: list[str], shown: list[str]) -> None:
    """The command printed what is shown: the whole output (stdout, or stderr for a refusal with status 2),
    or, where the block elides with ``...``, every other line shown, as a whole line of the output."""
    assert run.status in (0, 2), (args, run.err)
    printed = run.out if run.status == 0 else run.err
    if "..." in shown:
        lines = printed.splitlines()
        for line in shown:
            if line != "...":
                assert line in lines, (args, line)
    elif shown:
        assert printed == "\n".join(shown) + "\n", args
    else:
        assert run.status == 0, (args, run.err)
