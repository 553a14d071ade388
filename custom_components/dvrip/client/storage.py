"""The device's disks or SD card: `StorageInfo` (SystemInfo, message 1020).

The answer is a list with one object per disk, each with a `Partition` list; a partition has
`TotalSpace` and `RemainSpace` in MiB as hex strings (`"0x0000EE6B"`), `Status` and
`IsCurrent` (the Xiongmai interface document's StorageInfo example; python-dvr
`solarcam.py` `get_storage()`; Moxnatiy/hass-xmeye `src/xmeye/models.py` `Disk`,
`Partition`). Firmware answers a fixed number of slots: those beyond `PartNumber`, or of no
size, are empty (Moxnatiy), so a camera without its card has no partition with a size.
Whether a full disk is overwritten is `OverWrite` in `General.General`: `"OverWrite"` or
`"StopRecord"` (python-dvr README `get_general_info()`; Moxnatiy `xmeye-panel.js`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .client import DvripClient
from .framing import parse_hex_int

STORAGE_INFO = "StorageInfo"
OVERWRITE_WHEN_FULL = "OverWrite"


class StorageState(StrEnum):
    """What the device's storage is fit for."""

    OK = "ok"
    MISSING = "missing"  # no disk or card with a size
    FULL = "full"  # 1 % or less left
    FAILING = "failing"  # a partition whose Status is not 0


@dataclass(frozen=True, slots=True)
class StorageStatus:
    """The device's disks or card together: sizes in MiB."""

    total_mib: int
    free_mib: int
    failing: bool
    # Whether the device overwrites its oldest recordings when full; None when it does not say.
    overwrite: bool | None = None

    @property
    def state(self) -> StorageState:
        if self.total_mib <= 0:
            return StorageState.MISSING
        if self.failing:
            return StorageState.FAILING
        if self.free_mib * 100 <= self.total_mib:
            return StorageState.FULL
        return StorageState.OK

    @property
    def stops_recording(self) -> bool:
        """Full and set to stop recording rather than overwrite: no new alarm pictures."""
        return self.state is StorageState.FULL and self.overwrite is False


def parse_storage_info(value: object) -> StorageStatus:
    """The sum of every disk's partitions that have a size; a partition's `Status` other
    than 0 (the value of every working disk in the sources) counts as failing.
    """
    total = free = 0
    failing = False
    disks = value if isinstance(value, list) else [value]
    for disk in disks:
        if not isinstance(disk, dict):
            continue
        partitions = disk.get("Partition")
        if not isinstance(partitions, list):
            continue
        count = parse_hex_int(disk.get("PartNumber"), len(partitions))
        for partition in partitions[: max(count, 0)]:
            if not isinstance(partition, dict):
                continue
            size = parse_hex_int(partition.get("TotalSpace"), 0)
            if size <= 0:
                continue
            total += size
            free += max(parse_hex_int(partition.get("RemainSpace"), 0), 0)
            failing = failing or parse_hex_int(partition.get("Status"), 0) != 0
    return StorageStatus(total_mib=total, free_mib=min(free, total), failing=failing)


def parse_overwrite(general: Any) -> bool | None:
    """`OverWrite` of `General.General` (or of `General` holding it); None when absent."""
    if isinstance(general, dict) and isinstance(general.get("General"), dict):
        general = general["General"]
    if not isinstance(general, dict) or not isinstance(general.get("OverWrite"), str):
        return None
    return str(general["OverWrite"]).strip() == OVERWRITE_WHEN_FULL


async def read_storage(client: DvripClient) -> StorageStatus:
    """The device's storage, with whether it overwrites when full (asked only when full).

    Raises `DvripTimeoutError` (connection kept) or `DvripCommandError` when `StorageInfo`
    is not given.
    """
    status = parse_storage_info(await client.get_system_info(STORAGE_INFO))
    if status.state is not StorageState.FULL:
        return status
    overwrite = parse_overwrite(await client.get_optional_config("General.General"))
    return StorageStatus(status.total_mib, status.free_mib, status.failing, overwrite)
