"""The answers to the requests that read or change the device: system info, configurations,
abilities, channel titles, the clock, PTZ, the siren and the alarm subscription.

Each takes the connection the request came on (a `Requester`: the device is its `camera`)
and answers on it. SystemInfo (1020) answers `SystemInfo`, `StorageInfo` and `WorkState`
only: any other name is never answered. Unknown config names get Ret 607.
"""

from __future__ import annotations

import logging
from typing import Any

from simulator import machine
from simulator.device import Device, Requester
from simulator.quirks import LARGE_CONFIG_NAMES, Quirk
from simulator.wire import MessageId, Packet, Ret, format_time, parse_time

_LOGGER = logging.getLogger(__name__)

_SOFTWARE_VERSION = "V5.00.R02.000529B2.10010.040400.0020000"
_BUILD_TIME = "2023-06-12 10:42:00"


async def system_info(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    name = body.get("Name")
    camera = connection.camera
    info: Any
    if name == "SystemInfo":
        info = {
            "AlarmInChannel": 1,
            "AlarmOutChannel": 1,
            "AudioInChannel": 1,
            "BuildTime": _BUILD_TIME,
            "CombineSwitch": 0,
            "DeviceRunTime": f"0x{camera.uptime_minutes():08X}",
            "DigChannel": 0,
            "EncryptVersion": "Unknown",
            "ExtraChannel": 0,
            "HardWare": camera.profile.model,
            "HardWareVersion": "Unknown",
            "SerialNo": camera.config.serial,
            "SoftWareVersion": _SOFTWARE_VERSION,
            "TalkInChannel": 1,
            "TalkOutChannel": 1,
            "UpdataTime": "",
            "UpdataType": "0x00000000",
            "VideoInChannel": camera.channels,
            "VideoOutChannel": 1,
        }
    elif name == "StorageInfo":
        entries = camera.history.entries
        info = camera.storage.info([(entry.begin, entry.end) for entry in entries])
    elif name == "WorkState":
        info = camera.work_state()
    else:
        # Firmware ignores other names on 1020 (configurations such as NetWork.ChnStatus
        # are read with ConfigGet): no answer at all.
        _LOGGER.info("%r: no answer to SystemInfo %r", connection, name)
        return
    await connection.reply(MessageId.SYSTEM_INFO_REPLY, {"Name": name, name: info, "Ret": Ret.OK})


def _fact_config(camera: Device, name: object) -> tuple[bool, Any]:
    """(known, value) for the configurations that describe the device; value None: refused."""
    if name == "NetWork.NetCommon":
        return True, camera.net_common()
    if name == "General.General":
        return True, camera.general_config()
    if name == "General":
        return True, {"General": camera.general_config()}
    if name == "ChannelTitle":
        return True, camera.channel_titles()
    if name == "NetWork.ChnStatus":
        return True, camera.channel_statuses()
    return False, None


async def channel_title(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    titles = connection.camera.channel_titles()
    if titles is None:
        await connection.reply(
            MessageId.CHANNEL_TITLE_REPLY, {"Name": "ChannelTitle", "Ret": Ret.UNSUPPORTED}
        )
        return
    await connection.reply(
        MessageId.CHANNEL_TITLE_REPLY,
        {"Name": "ChannelTitle", "ChannelTitle": titles, "Ret": Ret.OK},
    )


async def ability(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    name = body.get("Name")
    value = connection.camera.system_function() if name == "SystemFunction" else None
    if value is not None and connection.camera.has(Quirk.ABILITIES_PARTIAL):
        value = {key: item for key, item in value.items() if key != "AlarmFunction"}
    if value is None:
        await connection.reply(
            MessageId.ABILITY_REPLY, {"Name": str(name or ""), "Ret": Ret.NO_SUCH_CONFIG}
        )
        return
    await connection.reply(
        MessageId.ABILITY_REPLY,
        {"Name": "SystemFunction", "SystemFunction": value, "Ret": Ret.OK},
    )


async def config_get(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    name = body.get("Name")
    camera = connection.camera
    if camera.has(Quirk.CONFIG_SILENT) or (
        camera.has(Quirk.CONFIG_SILENT_LARGE) and name in LARGE_CONFIG_NAMES
    ):
        _LOGGER.info("%r: no answer to ConfigGet %r", connection, name)
        return
    is_preset_list, presets = camera.ptz.preset_config(name)
    if is_preset_list:
        assert isinstance(name, str)
        await connection.reply(
            MessageId.CONFIG_GET_REPLY, {"Name": name, name: presets, "Ret": Ret.OK}
        )
        return
    is_fact, fact = _fact_config(connection.camera, name)
    if is_fact:
        assert isinstance(name, str)
        if fact is None:
            await connection.reply(
                MessageId.CONFIG_GET_REPLY, {"Name": name, "Ret": Ret.NO_SUCH_CONFIG}
            )
        else:
            await connection.reply(
                MessageId.CONFIG_GET_REPLY, {"Name": name, name: fact, "Ret": Ret.OK}
            )
        return
    if connection.camera.lighting.knows(name):
        assert isinstance(name, str)
        result, section = connection.camera.lighting.config_get(name)
        lit: dict[str, Any] = {"Name": name, "Ret": result}
        if result is Ret.OK:
            lit[name] = section
        await connection.reply(MessageId.CONFIG_GET_REPLY, lit)
        return
    ret, value = connection.camera.detection.read(str(name or ""))
    reply: dict[str, Any] = {"Name": str(name or ""), "Ret": ret}
    if ret is Ret.OK:
        reply[str(name)] = value
    await connection.reply(MessageId.CONFIG_GET_REPLY, reply)


async def config_set(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    name = str(body.get("Name") or "")
    if connection.camera.lighting.knows(name):
        result = connection.camera.lighting.config_set(name, body.get(name))
        connection.camera.notify()
        await connection.reply(MessageId.CONFIG_SET_REPLY, {"Name": name, "Ret": result})
        return
    result = connection.camera.detection.write(name, body.get(name))
    await connection.reply(MessageId.CONFIG_SET_REPLY, {"Name": name, "Ret": result})


async def ptz_control(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    """OPPTZControl: moves, presets, tours (see ptz.py)."""
    ret = connection.camera.ptz.handle(body.get("OPPTZControl"))
    await connection.reply(MessageId.PTZ_CONTROL_REPLY, {"Name": "OPPTZControl", "Ret": ret})


async def remote_ctrl(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    """OPRemoteCtrl (4000): the siren (see lighting.py)."""
    result = connection.camera.lighting.remote_ctrl(body.get("OPRemoteCtrl"))
    connection.camera.notify()
    await connection.reply(MessageId.REMOTE_CTRL_REPLY, {"Name": "OPRemoteCtrl", "Ret": result})


async def time_query(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    await connection.reply(
        MessageId.TIME_QUERY_REPLY,
        {"Name": "OPTimeQuery", "OPTimeQuery": format_time(connection.camera.now()), "Ret": Ret.OK},
    )


async def time_setting(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    """OPTimeSetting sets the clock to a local time (python-dvr ``set_time``); OPMachine
    shares the message id.
    """
    name = body.get("Name")
    if name == machine.OP_MACHINE:
        await machine.op_machine(connection, body)
        return
    if name != "OPTimeSetting":
        await connection.reply(
            MessageId.TIME_SETTING_REPLY, {"Name": str(name or ""), "Ret": Ret.UNSUPPORTED}
        )
        return
    moment = parse_time(body.get("OPTimeSetting"))
    if moment is None:
        await connection.reply(
            MessageId.TIME_SETTING_REPLY, {"Name": name, "Ret": Ret.ILLEGAL_REQUEST}
        )
        return
    connection.camera.set_clock(moment)
    await connection.reply(MessageId.TIME_SETTING_REPLY, {"Name": name, "Ret": Ret.OK})


async def alarm_set(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    assert connection.login is not None
    camera = connection.camera
    if camera.has(Quirk.GUARD_EMPTY):
        await connection.send_binary(MessageId.ALARM_SET_REPLY, b"")
    elif camera.has(Quirk.GUARD_REFUSED):
        await connection.reply(MessageId.ALARM_SET_REPLY, {"Name": "", "Ret": Ret.UNSUPPORTED})
    elif not camera.has(Quirk.GUARD_SILENT):
        await connection.reply(MessageId.ALARM_SET_REPLY, {"Name": "", "Ret": Ret.OK})
    # Whatever it answered, the firmware pushes alarms from now on.
    connection.login.subscribed = True
    camera.notify()


async def alarm_clear(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    assert connection.login is not None
    connection.login.subscribed = False
    connection.camera.notify()
    await connection.reply(MessageId.ALARM_CLEAR_REPLY, {"Name": "", "Ret": Ret.OK})
