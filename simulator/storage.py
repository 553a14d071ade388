"""The camera's SD card (or a recorder's disk), as `StorageInfo` (SystemInfo 1020) tells it.

The answer is one object per disk with a `Partition` list; sizes are MiB as hex strings,
`Status` 0 on a working disk (Xiongmai interface document's StorageInfo example; python-dvr
`solarcam.py` `get_storage()`; Moxnatiy/hass-xmeye `src/xmeye/models.py` `Partition`).
Firmware answers a fixed number of slots, the empty ones without a size (Moxnatiy), which is
how a camera without its card answers here. Whether a full card is overwritten is
`General.General` `OverWrite`: `"OverWrite"` or `"StopRecord"` (Moxnatiy `xmeye-panel.js`).

The control API (`POST /storage`) plays the card's troubles: missing, full, failing (a
partition's `Status` not 0; the firmware's own alarm for it is `StorageFailure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from simulator.wire import format_time

# A 64 GB card: 61,035 MiB.
CARD_MIB = 0xEE6B
FREE_MIB = 0x1D4C
FAILING_STATUS = 1
NO_RECORDING = "2000-00-00 00:00:00"


class CardState(StrEnum):
    OK = "ok"
    MISSING = "missing"
    FULL = "full"
    FAILING = "failing"


@dataclass(slots=True)
class Storage:
    """The card's state, and whether the camera overwrites its oldest recordings when full."""

    state: CardState = CardState.OK
    overwrite: bool = True

    def set(self, state: CardState | str | None = None, overwrite: bool | None = None) -> None:
        if state is not None:
            self.state = CardState(state)
        if overwrite is not None:
            self.overwrite = overwrite

    @property
    def overwrite_setting(self) -> str:
        """`General.General` `OverWrite`."""
        return "OverWrite" if self.overwrite else "StopRecord"

    def info(self, recordings: Sequence[tuple[datetime, datetime]]) -> list[dict[str, Any]]:
        """`StorageInfo`: one disk with one partition (an empty slot without a card)."""
        oldest = format_time(recordings[0][0]) if recordings else NO_RECORDING
        newest = format_time(recordings[-1][1]) if recordings else NO_RECORDING
        present = self.state is not CardState.MISSING
        free = 0 if self.state is CardState.FULL else FREE_MIB
        return [
            {
                "PartNumber": 1 if present else 0,
                "PlysicalNo": 0,
                "Partition": [
                    {
                        "DirverType": 0,
                        "IsCurrent": present,
                        "LogicSerialNo": 0,
                        "NewEndTime": newest,
                        "NewStartTime": oldest,
                        "OldEndTime": newest,
                        "OldStartTime": oldest,
                        "RemainSpace": f"0x{free if present else 0:08X}",
                        "Status": FAILING_STATUS if self.state is CardState.FAILING else 0,
                        "TotalSpace": f"0x{CARD_MIB if present else 0:08X}",
                    }
                ],
            }
        ]
