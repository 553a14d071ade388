"""Maintenance commands: OPMachine (message 1450, shared with OPTimeSetting).

`{"Name": "OPMachine", "OPMachine": {"Action": "Reboot"}}` restarts the device (python-dvr
`reboot()`; Moxnatiy/hass-xmeye `src/xmeye/client.py` `reboot()`). The device may drop the
connection before it answers: the reboot is under way all the same.
"""

from __future__ import annotations

from enum import StrEnum

from .client import DvripClient
from .const import MessageId
from .errors import DvripConnectionError

OP_MACHINE = "OPMachine"


class MachineAction(StrEnum):
    REBOOT = "Reboot"


async def reboot(client: DvripClient) -> None:
    """Ask the device to restart. Raises `DvripCommandError` when it refuses; an answer that
    does not come (it went down first) is no error.
    """
    try:
        await client.send_command(
            MessageId.MACHINE_REQ, OP_MACHINE, {"Action": MachineAction.REBOOT.value}
        )
    except DvripConnectionError:
        # Unanswered, or the connection dropped: the device went down to restart.
        return
