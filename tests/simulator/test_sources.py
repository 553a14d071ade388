"""Nothing unsourced: the source tables of docs/simulator.md name every message and quirk."""

from __future__ import annotations

from pathlib import Path
import re

from simulator import CameraSimulator, SimulatorConfig
from simulator.quirks import Quirk
from simulator.session import Connection
from simulator.wire import MessageId

SIMULATOR_PAGE = Path(__file__).parents[2] / "docs" / "simulator.md"


def _simulator_section() -> str:
    return SIMULATOR_PAGE.read_text(encoding="utf-8")


def _table_first_cells(section: str, header: str) -> list[str]:
    """The first cell of each row of the table whose header row starts with `header`; every
    row must name its source (its last cell).
    """
    lines = section.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(f"| {header} |"))
    cells = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        row = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        assert row[-1], f"no source for {row[0]}"
        cells.append(row[0])
    return cells


def test_every_dispatched_message_has_a_sourced_row() -> None:
    """Each message id the simulated camera dispatches (and login) is in the message table,
    with a source.
    """
    connection = Connection(CameraSimulator(SimulatorConfig()), None, None, 0)  # type: ignore[arg-type]
    dispatched = {int(message_id) for message_id in connection._handlers} | {MessageId.LOGIN}
    rows = _table_first_cells(_simulator_section(), "message")
    named = {int(number) for row in rows for number in re.findall(r"\b[1-9]\d{3}\b", row)}
    assert dispatched <= named, sorted(dispatched - named)
    # What the camera sends on its own is in it too.
    assert {MessageId.ALARM_INFO, MessageId.ALARM_CENTER, MessageId.SEARCH} <= named


def test_every_quirk_has_a_row() -> None:
    rows = _table_first_cells(_simulator_section(), "quirk")
    assert {row.strip("`") for row in rows} == {quirk.value for quirk in Quirk}
