"""One TCP connection to the simulated camera: reading requests, writing answers, logins.

The answers themselves are elsewhere: answers.py (system info, configurations, abilities,
the clock, PTZ, the siren, the alarm subscription), filequery.py (OPFileQuery),
download.py (OPPlayBack) and machine.py (OPMachine); the login sessions are in link.py.

Request handling, as real devices do it:

- Every reply carries the camera's own sequence counter (per connection), never the client's,
  so clients have to match replies by message id. The header's session id is the login
  session's; JSON carries it as "0x%08X".
- Before login, nothing but Login (1000) gets an answer; the one exception is a download claim
  (1424) on a second socket when the profile supports two-socket downloads. Such a socket is
  closed after ``login_timeout`` seconds unless a transfer is pending on it.
- A logged-in socket that sends nothing for ``idle_timeout`` seconds is closed.
- A second login on the same socket returns the same session; each socket gets its own.
- A request whose payload is not a JSON object gets Ret 103 (after login). Unknown message ids
  get Ret 102 with the request id + 1.
- A header with bad magic or a length above 1 MiB closes the connection.
- Faults acting on one connection (see faults.py): the next JSON packet made unparseable,
  the next push sent with another session's id, a forced logout (1004, then the socket
  closes), and answers held back by the camera's reply delays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from functools import partial
import logging
import socket
import struct
from typing import Any

from simulator import answers, download
from simulator.device import Device
from simulator.filequery import FileSearch
from simulator.link import LoginSession
from simulator.media import FrameType, pack_frame
from simulator.quirks import JUNK_EXTRA_CHANNEL, NUL_PADDED_TERMINATOR, Quirk
from simulator.wire import (
    FramingError,
    Header,
    MessageId,
    Packet,
    Ret,
    decode_json,
    encode_json,
    encode_packet,
    read_packet,
)

_LOGGER = logging.getLogger(__name__)

SEQUENCE_START = 0x2A
# A still split over packets (snap-packets, snap-frame) goes out in pieces of this size.
STILL_PACKET = 16 * 1024


Handler = Callable[[Packet, dict[str, Any]], Awaitable[None]]


class Connection:
    """Reads requests from one socket and writes replies, pushes and download data to it."""

    def __init__(
        self,
        camera: Device,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        number: int,
    ) -> None:
        self.camera = camera
        self.number = number
        self.login: LoginSession | None = None
        self._reader = reader
        self._writer = writer
        # The camera's own counter, started away from 0 so that a client expecting its own
        # sequence number echoed back fails at once instead of by chance later.
        self._sequence = SEQUENCE_START + 0x100 * number
        self._write_lock = asyncio.Lock()
        self._closing = False
        # "invalid_json": corrupt the next JSON packet of this id (None: of any id).
        self._corrupt_json: list[int | None] = []
        self._wrong_session_push = False
        # login-refused-session: after a refused login this socket hears nothing more.
        self._deaf = False
        self._file_search = FileSearch(self)
        self._handlers: dict[int, Handler] = {
            MessageId.LOGOUT: self._logout,
            MessageId.KEEPALIVE: self._keepalive,
            MessageId.SYSTEM_INFO: partial(answers.system_info, self),
            MessageId.CONFIG_GET: partial(answers.config_get, self),
            MessageId.CONFIG_SET: partial(answers.config_set, self),
            MessageId.CHANNEL_TITLE: partial(answers.channel_title, self),
            MessageId.ABILITY: partial(answers.ability, self),
            MessageId.PTZ_CONTROL: partial(answers.ptz_control, self),
            MessageId.TIME_QUERY: partial(answers.time_query, self),
            MessageId.TIME_SETTING: partial(answers.time_setting, self),
            MessageId.ALARM_SET: partial(answers.alarm_set, self),
            MessageId.ALARM_CLEAR: partial(answers.alarm_clear, self),
            MessageId.FILE_QUERY: self._file_search.answer,
            MessageId.MONITOR_CLAIM: self._monitor_claim,
            MessageId.MONITOR: self._monitor,
            MessageId.TALK_CLAIM: self._talk_claim,
            MessageId.TALK: self._talk,
            MessageId.PLAYBACK_CLAIM: self._claim,
            MessageId.PLAYBACK: self._playback,
            MessageId.SNAPSHOT: self._snapshot,
            MessageId.REMOTE_CTRL: partial(answers.remote_ctrl, self),
        }

    def __repr__(self) -> str:
        return f"<Connection #{self.number} session={self.session_id:#x}>"

    @property
    def session_id(self) -> int:
        return self.login.session_id if self.login is not None else 0

    @property
    def closed(self) -> bool:
        return self._closing or self._writer.is_closing()

    # -- reading -------------------------------------------------------------------------

    async def serve(self) -> None:
        try:
            while not self._closing:
                try:
                    async with asyncio.timeout(self._read_timeout()):
                        packet = await read_packet(self._reader)
                except TimeoutError:
                    _LOGGER.info("%r idle too long, closing", self)
                    break
                if packet is None:
                    break
                await self._dispatch(packet)
        except FramingError as err:
            _LOGGER.info("%r sent something that is not DVRIP (%s), closing", self, err)
        except (ConnectionError, OSError) as err:
            _LOGGER.debug("%r lost: %s", self, err)
        finally:
            await self.close()

    def _read_timeout(self) -> float | None:
        if self.login is not None:
            return self.camera.idle_timeout
        if self.camera.feeds_downloads(self):
            # A data socket waits quietly for DownloadStart on the control socket.
            return None
        return self.camera.config.login_timeout

    async def _dispatch(self, packet: Packet) -> None:
        message_id = packet.header.message_id
        self.camera.count_request()
        if self._deaf:
            _LOGGER.debug("%r: ignoring %d after a refused login", self, message_id)
            return
        if self.camera.silenced:
            _LOGGER.debug("%r: dropping %d while silent", self, message_id)
            return
        delay = self.camera.reply_delay(message_id)
        if delay:
            # The connection answers in order: whatever comes next waits as well.
            await asyncio.sleep(delay)
        if message_id == MessageId.TALK_DATA:
            # Audio, never JSON (routed by id, not by what the payload looks like).
            if self.login is not None:
                self.camera.speaker.handle_audio(self, packet.payload)
            return
        try:
            body = decode_json(packet.payload)
        except (ValueError, TypeError):
            _LOGGER.info("%r: request %d is not a JSON object", self, message_id)
            if self.login is not None:
                await self.reply(message_id + 1, {"Name": "", "Ret": Ret.ILLEGAL_REQUEST})
            return
        if message_id == MessageId.LOGIN:
            await self._login(packet, body)
            return
        if self.login is None:
            if message_id == MessageId.PLAYBACK_CLAIM and self.camera.profile.two_socket_download:
                await download.claim(self, packet, body, data_socket=True)
            else:
                _LOGGER.debug("%r: ignoring %d before login", self, message_id)
            return
        handler = self._handlers.get(message_id)
        if handler is None:
            _LOGGER.info("%r: unsupported message %d", self, message_id)
            await self.reply(message_id + 1, {"Name": "", "Ret": Ret.UNSUPPORTED})
            return
        await handler(packet, body)

    # -- writing -------------------------------------------------------------------------

    def _next_sequence(self) -> int:
        sequence = self._sequence
        self._sequence = (self._sequence + 1) & 0xFFFFFFFF
        return sequence

    def _header(
        self, message_id: int, byte12: int = 0, byte13: int = 0, session_id: int | None = None
    ) -> Header:
        return Header(
            message_id=message_id,
            length=0,
            session_id=self.session_id if session_id is None else session_id,
            sequence=self._next_sequence(),
            version=self.camera.profile.reply_version,
            byte12=byte12,
            byte13=byte13,
        )

    async def write_raw(self, data: bytes) -> bool:
        """Write bytes between packets; False if the socket is gone."""
        async with self._write_lock:
            if self.closed:
                return False
            try:
                self._writer.write(data)
                self.camera.count_bytes(len(data))
                await self._writer.drain()
            except (ConnectionError, OSError):
                self.abort()
                return False
            return True

    def corrupt_next_json(self, message_id: int | None = None) -> None:
        """Make the next JSON packet (of `message_id`, or any) unparseable."""
        self._corrupt_json.append(message_id)

    def wrong_session_next_push(self) -> None:
        """Send the next alarm push with another session's id, in its header and its JSON."""
        self._wrong_session_push = True

    def _take_corruption(self, message_id: int) -> bool:
        for index, wanted in enumerate(self._corrupt_json):
            if wanted is None or wanted == message_id:
                del self._corrupt_json[index]
                return True
        return False

    def _json_packets(self, message_id: int, body: dict[str, Any], session_id: int) -> bytes:
        terminator = self.camera.profile.json_terminator
        if self.camera.has(Quirk.JSON_NUL_PADDING):
            terminator = NUL_PADDED_TERMINATOR
        data = encode_json(body, terminator)
        if self._take_corruption(message_id):
            # Cut off mid-object, with a raw byte that is not UTF-8: no lenient parser saves it.
            data = data[: max(1, len(data) // 2)] + b"\xfe\x00" + terminator
        size = self.camera.profile.fragment_size
        pieces = [data] if size is None else [data[i : i + size] for i in range(0, len(data), size)]
        if len(pieces) == 1 or len(pieces) > 0xFF:
            # One packet (the fragment count is one byte, so huge replies also go out whole).
            return encode_packet(self._header(message_id, session_id=session_id), data)
        return b"".join(
            encode_packet(self._header(message_id, len(pieces), index, session_id), piece)
            for index, piece in enumerate(pieces)
        )

    async def reply(
        self, message_id: int, body: dict[str, Any], *, session_id: int | None = None
    ) -> bool:
        """Send a JSON reply (fragmented if the profile does); dropped while silent."""
        if self.camera.silenced:
            return False
        session_id = self.session_id if session_id is None else session_id
        body.setdefault("SessionID", self.camera.session_text(session_id))
        return await self.write_raw(self._json_packets(message_id, body, session_id))

    async def push_alarm(self, body: dict[str, Any], session_id: int) -> bool:
        if self.camera.silenced or self.closed:
            return False
        if self._wrong_session_push:
            self._wrong_session_push = False
            session_id += 0x100
            body = {**body, "SessionID": self.camera.session_text(session_id)}
        return await self.reply(MessageId.ALARM_INFO, dict(body), session_id=session_id)

    async def force_logout(self) -> None:
        """End the login from the camera's side: a 1004 message, then the socket closes."""
        if self.login is None:
            return
        await self.reply(MessageId.FORCED_LOGOUT, {"Name": "", "Ret": Ret.OK})
        self.camera.close_session(self.login)
        self.login = None
        await self.close()

    async def send_binary(self, message_id: int, payload: bytes) -> bool:
        if self.camera.silenced:
            return False
        return await self.write_raw(encode_packet(self._header(message_id), payload))

    async def send_media(
        self,
        payload: bytes,
        *,
        session_id: int,
        channel: int,
        end: bool,
        message_id: int = MessageId.DOWNLOAD_DATA,
    ) -> bool:
        """One download data packet (1426, or 1422): byte 12 = channel, byte 13 = end flag."""
        header = Header(
            message_id=message_id,
            length=0,
            session_id=session_id,
            sequence=self._next_sequence(),
            version=self.camera.profile.reply_version,
            byte12=channel,
            byte13=1 if end else 0,
        )
        return await self.write_raw(encode_packet(header, payload))

    def close_soon(self) -> None:
        """Start a graceful close without waiting for it."""
        self._closing = True
        self._writer.close()

    async def close(self) -> None:
        """Close gracefully (pending replies are flushed)."""
        self._closing = True
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()

    def abort(self) -> None:
        """Reset the connection at once (RST), as a camera losing power would."""
        self._closing = True
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._writer.transport.abort()

    # -- requests ------------------------------------------------------------------------

    async def _login(self, packet: Packet, body: dict[str, Any]) -> None:
        camera = self.camera
        if camera.profile.encrypted_login:
            # The firmware wants RSA/AES; see profiles.py for the exact signal.
            await self.reply(
                MessageId.LOGIN_REPLY,
                {
                    "DataUseAES": True,
                    "EncryptType": "RSA",
                    "Ret": Ret.UNSUPPORTED,
                    "SessionID": self.camera.session_text(0),
                },
            )
            await self.close()
            return
        user = body.get("UserName")
        password = body.get("PassWord")
        plain = str(body.get("EncryptType", "MD5")).upper() == "NONE"
        result = Ret.WRONG_PASSWORD
        if isinstance(user, str) and isinstance(password, str):
            result = camera.check_login(user, password, plain)
        if (
            result is Ret.OK
            and self.login is None
            and camera.has(Quirk.LOGIN_207)
            and any(session.user == user for session in camera.sessions)
        ):
            result = Ret.ALREADY_LOGGED_IN
        if result is not Ret.OK:
            _LOGGER.info("%r: login as %r refused with %d", self, user, result)
            camera.notify()
            if camera.has(Quirk.LOGIN_REFUSED_SESSION):
                await self._refuse_with_session(result)
                return
            await self.reply(
                MessageId.LOGIN_REPLY, {"Ret": result, "SessionID": self.camera.session_text(0)}
            )
            await self.close()
            return
        if self.login is None:
            assert isinstance(user, str)
            self.login = camera.open_session(user, self)
        await self.reply(
            MessageId.LOGIN_REPLY,
            {
                "AliveInterval": camera.config.alive_interval,
                "ChannelNum": camera.channels,
                "DataUseAES": False,
                "DeviceType ": camera.profile.device_type,
                "ExtraChannel": 0,
                "Ret": Ret.OK,
                "SessionID": self.camera.session_text(self.session_id),
            },
        )

    async def _refuse_with_session(self, result: Ret) -> None:
        """login-refused-session: a refusal that looks like a session, then silence."""
        session_id = self.camera.spare_session_id()
        await self.reply(
            MessageId.LOGIN_REPLY,
            {
                "AliveInterval": 0,
                "ChannelNum": 0,
                "DeviceType ": self.camera.profile.device_type,
                "ExtraChannel": JUNK_EXTRA_CHANNEL,
                "Ret": result,
                "SessionID": self.camera.session_text(session_id),
            },
            session_id=session_id,
        )
        self._deaf = True

    async def _logout(self, packet: Packet, body: dict[str, Any]) -> None:
        await self.reply(MessageId.LOGOUT_REPLY, {"Name": "", "Ret": Ret.OK})
        if self.login is not None:
            self.camera.close_session(self.login)
        await self.close()

    async def _keepalive(self, packet: Packet, body: dict[str, Any]) -> None:
        self.camera.count_keepalive()
        await self.reply(MessageId.KEEPALIVE_REPLY, {"Name": "KeepAlive", "Ret": Ret.OK})

    async def _monitor_claim(self, packet: Packet, body: dict[str, Any]) -> None:
        await self.camera.live.handle_claim(self, body)

    async def _monitor(self, packet: Packet, body: dict[str, Any]) -> None:
        await self.camera.live.handle_monitor(self, body)

    async def _talk_claim(self, packet: Packet, body: dict[str, Any]) -> None:
        await self.camera.speaker.handle_claim(self, body)

    async def _talk(self, packet: Packet, body: dict[str, Any]) -> None:
        await self.camera.speaker.handle_talk(self, body)

    async def _claim(self, packet: Packet, body: dict[str, Any]) -> None:
        await download.claim(self, packet, body, data_socket=False)

    async def _playback(self, packet: Packet, body: dict[str, Any]) -> None:
        await download.playback(self, packet, body)

    async def _snapshot(self, packet: Packet, body: dict[str, Any]) -> None:
        if not self.camera.profile.snapshot:
            await self.reply(MessageId.SNAPSHOT_REPLY, {"Name": "OPSNAP", "Ret": Ret.UNSUPPORTED})
            return
        params = body.get("OPSNAP")
        channel = params.get("Channel", 0) if isinstance(params, dict) else 0
        if isinstance(channel, bool) or not isinstance(channel, int):
            channel = -1
        if not 0 <= channel < self.camera.channels:
            await self.reply(
                MessageId.SNAPSHOT_REPLY, {"Name": "OPSNAP", "Ret": Ret.ILLEGAL_REQUEST}
            )
            return
        camera = self.camera
        if camera.has(Quirk.SNAP_STUCK):
            await camera.stuck_still()
            await self.reply(
                MessageId.SNAPSHOT_REPLY, {"Name": "OPSNAP", "Ret": Ret.DEVICE_TIMEOUT}
            )
            return
        picture = await camera.snapshot(channel)
        if camera.has(Quirk.SNAP_FRAME):
            picture = pack_frame(
                FrameType.PICTURE,
                picture,
                width=camera.profile.clip_width,
                height=camera.profile.clip_height,
                timestamp=camera.now(),
            )
        elif not camera.has(Quirk.SNAP_PACKETS):
            # One packet; byte 12 is the channel on real devices, not a fragment count.
            await self.write_raw(
                encode_packet(self._header(MessageId.SNAPSHOT_REPLY, byte12=channel), picture)
            )
            return
        pieces = [picture[i : i + STILL_PACKET] for i in range(0, len(picture), STILL_PACKET)]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            header = self._header(MessageId.SNAPSHOT_REPLY, byte12=channel, byte13=int(last))
            if not await self.write_raw(encode_packet(header, piece)):
                return
