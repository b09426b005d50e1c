"""Sums of many sympy values, as sympy would write them, in time linear in their count.

A model's totals add one value per layer: 100,000 whole numbers through ``sp.Add`` cost a sympy
object each, and adding symbolic values one at a time rebuilds the growing sum at every step
(quadratic). ``add_up`` adds the whole numbers as Python ints and hands sympy the rest at once.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp


def add_up(values: Iterable[sp.Expr]) -> sp.Expr:
    """``sp.Add(*values)``, the same expression: whole numbers summed as Python ints, the rest by one ``sp.Add``."""
    whole = 0
    others = []
    for value in values:
        if isinstance(value, sp.Integer):
            whole += value.p
        else:
            others.append(value)
    if not others:
        return sp.Integer(whole)
    return sp.Add(sp.Integer(whole), *others)
