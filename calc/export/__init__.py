"""Exports of a handout's variants to course platforms: Moodle XML, Canvas (text2qti), PrairieLearn and
otter-grader notebooks.

Everything a platform needs is worked out here, once, by calc itself (``records``): for every variant and
question the correct answer, the wrong values of the catalogued mistakes (the checker's own candidate
search) with calc's diagnosis of each, and the worked steps. Each platform module only writes those
records in its platform's format, so no platform needs calc when it grades.
"""

from __future__ import annotations

from calc.export.records import Export, Item, Wrong, from_manifest, from_model

PLATFORMS = ("moodle", "canvas", "prairielearn", "otter")

__all__ = ["PLATFORMS", "Export", "Item", "Wrong", "from_manifest", "from_model"]
