"""HTTP control API of the simulated camera (aiohttp, bound to 127.0.0.1 only).

    POST /alarms     {"channel": 0, "event": "VideoMotion", "status": "Start",
                      "sharpest_index": false}  -> what was pushed and recorded
                     ("sharpest_index": true generates the clip first and reports its
                     sharpest frame)
    POST /faults     {"kind": "disconnect", "seconds": 5}
                     lasting N seconds: disconnect, silence, reboot; at once: garbage,
                     huge_length, invalid_json, wrong_session, logout, cut_download
    POST /reply_delay  {"seconds": 1.5, "message_id": 1440, "count": 1}
                     hold answers back (message_id and count optional; seconds 0 clears)
    POST /alarm_centre {"host": "192.168.1.2", "port": 15002}  send alarms there as 1508
                     too ({"host": null} stops that)
    POST /password   {"user": "admin", "password": "new"}
    POST /detection  {"channel": 0, "enabled": false, "upload": true, "human": true}
                     (channel optional: every channel); {"writes": "refuse"} answers
                     writes of the detection settings with Ret 107, "ignore" with Ret 100
                     and no change, "apply" as asked
    POST /storage    {"state": "missing", "overwrite": false}  the SD card: ok, missing,
                     full or failing; whether it is overwritten when full
    GET  /storage    {"state": ..., "overwrite": ...}
    POST /downloads  {"stalled": true, "file_name": null}  hold the downloads of one file
                     (null: of every file) before their first byte
    POST /quirks     {"quirk": "guard-silent", "enabled": true}  switch one quirk
    GET  /quirks     the quirks on now, and every quirk with its behaviour and source
    GET  /discovery  what the device search (UDP 1530) answers: enabled, the bound port,
                     host (HostIP), tcp_port (TCPPort), mac, serial
    POST /discovery  {"enabled": false, "host": "192.168.1.10", "tcp_port": 34567}  change
                     it (each optional; "tcp_port": null names the bound DVRIP port again)
    POST /channel_titles {"titles": ["Front door", "Garden"]}  (null: ChannelTitle refused)
    POST /device_name {"name": "Shed"}  General.General's MachineName ("" for none)
    POST /clock      {"set": "2000-01-01 00:00:00"} set the camera's clock, or {"shift": -3600}
                     move it by seconds; answers like GET
    GET  /clock      {"now": the camera's clock, "offset": seconds from the right local time}
    GET  /ptz        each channel's PTZ head: position, the move under way, presets, tour;
                     the starts and stops counted
    POST /ptz        {"refuse": 107}  refuse every PTZ command with that Ret, as for a user
                     without the PTZ right (null: obey again)
    GET  /lighting   the siren (and every switch it was sent), the white light section, each
                     channel's DayNightColor, refused controls, keep_settings
    POST /lighting   {"work_mode": "KeepOpen", "day_night": "0x00000001", "channel": 0,
                     "refused": {"white_light": true}, "keep_settings": true}  (each optional;
                     refused: siren, white_light, day_night answered Ret 103; keep_settings:
                     writes answered Ret 100 while the camera keeps its settings)
    GET  /stats      counters (see SimulatorStats)
    GET  /history    recorded files; optional ?channel=0&type=h264|jpg

Bad input is answered with 400 and {"error": "..."}; the camera keeps running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
import logging
from typing import Any

from aiohttp import web

from simulator.device import Device
from simulator.quirks import QUIRKS
from simulator.wire import format_time, parse_time

_LOGGER = logging.getLogger(__name__)

CONTROL_HOST = "127.0.0.1"


class BadRequestError(Exception):
    """The request body or query is not acceptable."""


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except (BadRequestError, ValueError, TypeError) as err:
        return web.json_response({"error": str(err)}, status=400)
    except Exception as err:
        _LOGGER.exception("Control request %s %s failed", request.method, request.path)
        return web.json_response({"error": f"internal error: {err}"}, status=500)


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as err:
        raise BadRequestError(f"body is not JSON: {err}") from None
    if not isinstance(body, dict):
        raise BadRequestError("body must be a JSON object")
    return body


def _field[T](body: dict[str, Any], name: str, kind: type[T], default: T) -> T:
    value = body.get(name, default)
    if kind is not bool and isinstance(value, bool):
        raise BadRequestError(f"{name} must be of type {kind.__name__}")
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind):
        raise BadRequestError(f"{name} must be of type {kind.__name__}")
    return value


def _optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadRequestError(f"{name} must be true or false")
    return value


class ControlServer:
    """The aiohttp application driving one Device."""

    def __init__(self, camera: Device) -> None:
        self.camera = camera
        self.app = web.Application(middlewares=[_errors_as_json])
        self.app.router.add_post("/alarms", self._alarms)
        self.app.router.add_post("/faults", self._faults)
        self.app.router.add_post("/reply_delay", self._reply_delay)
        self.app.router.add_post("/alarm_centre", self._alarm_centre)
        self.app.router.add_post("/password", self._password)
        self.app.router.add_post("/detection", self._detection)
        self.app.router.add_post("/storage", self._set_storage)
        self.app.router.add_get("/storage", self._storage)
        self.app.router.add_post("/downloads", self._downloads)
        self.app.router.add_post("/quirks", self._set_quirk)
        self.app.router.add_get("/quirks", self._quirks)
        self.app.router.add_get("/discovery", self._discovery)
        self.app.router.add_post("/discovery", self._set_discovery)
        self.app.router.add_post("/channel_titles", self._channel_titles)
        self.app.router.add_post("/device_name", self._device_name)
        self.app.router.add_post("/clock", self._set_clock)
        self.app.router.add_get("/clock", self._clock)
        self.app.router.add_get("/ptz", self._ptz)
        self.app.router.add_post("/ptz", self._set_ptz)
        self.app.router.add_get("/lighting", self._lighting)
        self.app.router.add_post("/lighting", self._set_lighting)
        self.app.router.add_get("/stats", self._stats)
        self.app.router.add_get("/history", self._history)
        self._runner: web.AppRunner | None = None

    async def start(self, port: int) -> int:
        """Listen on 127.0.0.1; returns the bound port (useful with port 0)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, CONTROL_HOST, port)
        await site.start()
        bound: int = self._runner.addresses[0][1]
        _LOGGER.info("Control API on http://%s:%d", CONTROL_HOST, bound)
        return bound

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _alarms(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        record = await self.camera.raise_alarm(
            channel=_field(body, "channel", int, 0),
            event=_field(body, "event", str, "VideoMotion"),
            status=_field(body, "status", str, "Start"),
        )
        result = record.to_json()
        if _field(body, "sharpest_index", bool, False):
            result["sharpest_index"] = await record.sharpest_index()
            result["clip"] = record.clip.describe() if record.clip else None
        return web.json_response(result)

    async def _downloads(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        stalled = _field(body, "stalled", bool, True)
        file_name = _field(body, "file_name", str, "") or None
        self.camera.stall_downloads(file_name, stalled=stalled)
        return web.json_response({"stalled": stalled, "file_name": file_name})

    async def _set_quirk(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        self.camera.set_quirk(_field(body, "quirk", str, ""), _field(body, "enabled", bool, True))
        return await self._quirks(request)

    async def _quirks(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "enabled": sorted(quirk.value for quirk in self.camera.quirks),
                "known": {
                    quirk.value: {"behaviour": info.behaviour, "source": info.source}
                    for quirk, info in QUIRKS.items()
                },
            }
        )

    async def _faults(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        kind = _field(body, "kind", str, "")
        seconds = _field(body, "seconds", float, 0.0)
        await self.camera.inject_fault(kind, seconds)
        return web.json_response({"kind": kind, "seconds": seconds})

    async def _reply_delay(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        seconds = _field(body, "seconds", float, 0.0)
        message_id = body.get("message_id")
        count = body.get("count")
        for name, value in (("message_id", message_id), ("count", count)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise BadRequestError(f"{name} must be an integer")
        self.camera.delay_replies(seconds, message_id=message_id, count=count)
        return web.json_response({"seconds": seconds, "message_id": message_id, "count": count})

    async def _alarm_centre(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        host = body.get("host")
        if host is not None and not isinstance(host, str):
            raise BadRequestError("host must be a string or null")
        port = _field(body, "port", int, 15002)
        self.camera.set_alarm_centre(host, port)
        target = self.camera.alarm_centre
        return web.json_response(
            {"host": target[0], "port": target[1]} if target else {"host": None}
        )

    async def _password(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        user = _field(body, "user", str, self.camera.config.user)
        if not user:
            raise BadRequestError("user must not be empty")
        if "password" not in body:
            raise BadRequestError("password is required")
        self.camera.set_password(user, _field(body, "password", str, ""))
        return web.json_response({"user": user})

    async def _detection(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        channel = body.get("channel")
        if channel is not None and (isinstance(channel, bool) or not isinstance(channel, int)):
            raise BadRequestError("channel must be an integer")
        enabled = _optional_bool(body, "enabled")
        upload = _optional_bool(body, "upload")
        human = _optional_bool(body, "human")
        writes = body.get("writes")
        if writes is not None and not isinstance(writes, str):
            raise BadRequestError("writes must be apply, refuse or ignore")
        if enabled is None and upload is None and human is None and writes is None:
            raise BadRequestError("give enabled, upload, human and/or writes")
        detection = self.camera.detection
        if channel is not None:
            self.camera.motion_detection(channel)  # checks the channel
        if writes is not None:
            detection.set_writes(writes)
        if enabled is not None or upload is not None:
            self.camera.set_motion_detection(enabled, channel=channel, upload=upload)
        if human is not None:
            detection.set_human_detection(human, channel)
        return web.json_response(
            [
                {
                    **asdict(self.camera.motion_detection(number)),
                    "human": detection.human_detection(number),
                }
                for number in range(self.camera.channels)
            ]
        )

    async def _storage(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"state": self.camera.storage.state, "overwrite": self.camera.storage.overwrite}
        )

    async def _set_storage(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        state = body.get("state")
        if state is not None and not isinstance(state, str):
            raise BadRequestError("state must be ok, missing, full or failing")
        self.camera.storage.set(state, _optional_bool(body, "overwrite"))
        self.camera.notify()
        return await self._storage(request)

    async def _discovery(self, request: web.Request) -> web.Response:
        return web.json_response(self.camera.discovery_state())

    async def _set_discovery(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        host = body.get("host")
        if host is not None and not isinstance(host, str):
            raise BadRequestError("host must be a string")
        tcp_port = body.get("tcp_port")
        if tcp_port is not None and (isinstance(tcp_port, bool) or not isinstance(tcp_port, int)):
            raise BadRequestError("tcp_port must be an integer or null")
        self.camera.set_discovery(
            enabled=_optional_bool(body, "enabled"),
            host=host,
            tcp_port=tcp_port,
            reset_tcp_port="tcp_port" in body and tcp_port is None,
        )
        return web.json_response(self.camera.discovery_state())

    async def _channel_titles(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        if "titles" not in body:
            raise BadRequestError("titles is required (a list of strings, or null)")
        self.camera.set_channel_titles(body["titles"])
        return web.json_response({"titles": self.camera.channel_titles()})

    async def _device_name(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        if "name" not in body:
            raise BadRequestError("name is required")
        self.camera.set_device_name(_field(body, "name", str, ""))
        return web.json_response({"name": self.camera.device_name})

    async def _clock(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "now": format_time(self.camera.now()),
                "offset": self.camera.clock_offset.total_seconds(),
            }
        )

    async def _set_clock(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        if ("set" in body) == ("shift" in body):
            raise BadRequestError('give either "set" (YYYY-MM-DD HH:MM:SS) or "shift" (seconds)')
        if "set" in body:
            moment = parse_time(body["set"])
            if moment is None:
                raise BadRequestError("set must be a time as YYYY-MM-DD HH:MM:SS")
            self.camera.set_clock(moment)
        else:
            self.camera.shift_clock(_field(body, "shift", float, 0.0))
        return await self._clock(request)

    async def _ptz(self, request: web.Request) -> web.Response:
        return web.json_response(self.camera.ptz.describe())

    async def _set_ptz(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        if "refuse" not in body:
            raise BadRequestError("refuse is required (a Ret code, or null)")
        refuse = body["refuse"]
        if refuse is not None and (isinstance(refuse, bool) or not isinstance(refuse, int)):
            raise BadRequestError("refuse must be an integer or null")
        self.camera.ptz.refuse_with = refuse
        return await self._ptz(request)

    async def _lighting(self, request: web.Request) -> web.Response:
        return web.json_response(self.camera.lighting.describe())

    async def _set_lighting(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        lighting = self.camera.lighting
        if "work_mode" in body:
            lighting.set_work_mode(_field(body, "work_mode", str, ""))
        if "day_night" in body:
            lighting.set_day_night(
                _field(body, "day_night", str, ""), channel=_field(body, "channel", int, 0)
            )
        refused = body.get("refused", {})
        if not isinstance(refused, dict):
            raise BadRequestError("refused must be an object of control names to true/false")
        for control in refused:
            lighting.set_refused(control, _field(refused, control, bool, True))
        if (keep := _optional_bool(body, "keep_settings")) is not None:
            lighting.keep_settings = keep
        self.camera.notify()
        return web.json_response(lighting.describe())

    async def _stats(self, request: web.Request) -> web.Response:
        result: dict[str, Any] = asdict(self.camera.stats)
        result["fault"] = self.camera.fault
        return web.json_response(result)

    async def _history(self, request: web.Request) -> web.Response:
        channel_text = request.query.get("channel")
        record_type = request.query.get("type")
        try:
            channel = None if channel_text is None else int(channel_text)
        except ValueError:
            raise BadRequestError("channel must be an integer") from None
        entries = [
            entry.describe()
            for entry in self.camera.history.entries
            if (channel is None or entry.channel == channel)
            and (record_type is None or entry.record_type.value == record_type)
        ]
        return web.json_response(entries)
