"""Answers compared as quantities: symbolic equality under positive-integer symbols, floors included."""

from __future__ import annotations

import pytest
import sympy as sp

from calc.equivalence import Points, canonical, equivalent, fingerprint
from calc.expressions import make_symbol

k, f, n = make_symbol("k"), make_symbol("f"), make_symbol("n")
POINTS = Points([k, f, n])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (sp.Integer(608), sp.Integer(8) * 76),
        (f * (3 * k**2 + 1), 3 * k**2 * f + f),
        ((k**2 - 1) / (k - 1), k + 1),  # a rational function: cancel, not expand
        # floors written differently: ⌊(31 - k)/2⌋ + 1 = ⌊(33 - k)/2⌋
        (sp.floor((31 - k) / 2) + 1, sp.floor((33 - k) / 2)),
        (sp.ceiling(n / 2), -sp.floor(-n / 2)),
        (sp.floor(k), k),  # k is a whole number
        # true only for whole n and beyond sympy: decided by many random points
        (sp.ceiling(n / 2), sp.floor((n + 1) / 2)),
        (sp.floor((sp.floor((31 - k) / 2) - k) / 2) + 1, sp.floor((35 - 3 * k) / 4)),
        ((sp.Integer(28), 33 - k), (sp.Integer(28), 33 - k)),
    ],
)
def test_equal(a, b):
    assert equivalent(a, b, POINTS)
    assert equivalent(b, a, POINTS)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (sp.Integer(608), sp.Integer(600)),
        (sp.Rational(27, 2), sp.Integer(13)),
        (f * (3 * k**2 + 1), 3 * k**2 * f),
        (sp.floor(k / 2), k / 2),  # equal for even k only
        (sp.floor((n - 1) / 2) + 1, sp.floor(n / 2)),  # equal for odd n only
        ((sp.Integer(28), sp.Integer(28)), (sp.Integer(28), sp.Integer(28), sp.Integer(8))),
        ((sp.Integer(28),), sp.Integer(28)),
        (1 / (k - 5), sp.Integer(0)),
    ],
)
def test_different(a, b):
    assert not equivalent(a, b, POINTS)
    assert not equivalent(b, a, POINTS)


def test_canonical_floor_form():
    # ⌈x⌉ = -⌊-x⌋; whole constants leave the floor: ⌊33/2 - k/2⌋ = ⌊1/2 - k/2⌋ + 16
    assert canonical(sp.ceiling(n / 2)) == -sp.floor(-n / 2)
    assert canonical(sp.floor((33 - k) / 2)) == sp.floor(sp.Rational(1, 2) - k / 2) + 16


def test_points_are_deterministic():
    assert fingerprint(f * k, Points([k, f])) == fingerprint(f * k, Points([f, k]))


def test_an_expansion_past_the_budget_is_decided_at_many_points(monkeypatch):
    """(1 + k + f + kf)^64 has C(67, 64) = 47,905 terms once expanded: never expanded (seconds of algebra),
    but compared exactly at 64 points with symbols up to 10^9, where a wrong answer cannot hide."""
    import calc.equivalence

    def no_algebra(*args, **kwargs):
        raise AssertionError("expanded")

    monkeypatch.setattr(calc.equivalence.sp, "expand", no_algebra)
    huge = (1 + k + f + k * f) ** 64
    same = ((1 + k) * (1 + f)) ** 64
    assert equivalent(huge - same + k, k, POINTS)
    assert not equivalent(huge - same + k + 1, k, POINTS)
    assert not equivalent(huge - same + k + (k - 1) * (k - 2) * (k - 3), k, POINTS)
