"""The manifest's requirements: bounded ranges that the Home Assistant under test satisfies.

Home Assistant pins av, Pillow and numpy itself; the manifest names ranges, never pins, so it
never fights those. Each test stack checks that its own versions are in the ranges: when the
current stack moves to a release with a newer major version, this fails until the range is
widened (after the suite passed with it).
"""

from __future__ import annotations

from importlib.metadata import version
import json
from pathlib import Path

from packaging.requirements import Requirement
import pytest

MANIFEST = Path(__file__).parents[1] / "custom_components" / "dvrip" / "manifest.json"


def _requirements() -> dict[str, Requirement]:
    lines = json.loads(MANIFEST.read_text())["requirements"]
    return {Requirement(line).name.lower(): Requirement(line) for line in lines}


@pytest.mark.parametrize("name", ["av", "pillow", "numpy"])
def test_requirement_is_a_range_this_stack_satisfies(name: str) -> None:
    requirement = _requirements()[name]
    operators = {spec.operator for spec in requirement.specifier}
    assert operators == {">=", "<"}, f"{requirement}: a lower and an upper bound, no pin"
    assert requirement.specifier.contains(version(name)), f"{name} {version(name)}"
