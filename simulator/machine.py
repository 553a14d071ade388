"""OPMachine (message 1450, shared with OPTimeSetting): `{"Action": "Reboot"}` restarts the
camera (python-dvr `reboot()`; Moxnatiy/hass-xmeye `src/xmeye/client.py` `reboot()`).

The answer (Ret 100) goes out first; a moment later every connection drops and the camera is
down for `REBOOT_SECONDS`, as the "reboot" fault plays it. Other actions get Ret 103.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from simulator.device import Device, Requester
from simulator.wire import MessageId, Ret

OP_MACHINE: Final = "OPMachine"
# The answer leaves before the connections drop.
REBOOT_DELAY: Final = 0.1
REBOOT_SECONDS: Final = 0.5


async def op_machine(connection: Requester, body: dict[str, Any]) -> None:
    params = body.get(OP_MACHINE)
    action = params.get("Action") if isinstance(params, dict) else None
    if action != "Reboot":
        await connection.reply(
            MessageId.TIME_SETTING_REPLY, {"Name": OP_MACHINE, "Ret": Ret.ILLEGAL_REQUEST}
        )
        return
    await connection.reply(MessageId.TIME_SETTING_REPLY, {"Name": OP_MACHINE, "Ret": Ret.OK})
    camera = connection.camera
    camera.spawn(_reboot_soon(camera), "reboot")


async def _reboot_soon(camera: Device) -> None:
    await asyncio.sleep(REBOOT_DELAY)
    await camera.inject_fault("reboot", REBOOT_SECONDS)
