"""`DvripClient`: a logged-in session with a device and the operations it offers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
import functools
import logging
from pathlib import Path
from typing import Any, Final, Self

from .abilities import Abilities, parse_abilities, parse_channel_titles, parse_device_name
from .auth import sofia_hash
from .connection import DvripConnection, media_queue
from .const import (
    AUTH_FAILURE_CODES,
    DEFAULT_PORT,
    SEARCH_END_CODES,
    SEARCH_RESULT_CAP,
    SUCCESS_CODES,
    MessageId,
    RetCode,
)
from .download import (
    DownloadResult,
    DownloadSink,
    FileSink,
    NoDataError,
    next_packet,
    playback_message,
    pump_media,
)
from .errors import (
    DvripAuthError,
    DvripCommandError,
    DvripConnectionError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
    DvripUnsupportedError,
    LoginRefusal,
)
from .extra import DEFAULT_IDLE_LOGOUT, ExtraConnection
from .framing import Packet, decode_json, format_session_id, parse_hex_int, parse_session_id
from .media import MediaFrame
from .models import (
    Alarm,
    AlarmSubscription,
    ChannelStatus,
    DeviceInfo,
    FileType,
    RecordFile,
    SubscriptionState,
    format_camera_time,
    parse_camera_time,
)
from .monitor import LiveStreamType, first_keyframe
from .still import StillAssembler
from .talk import TalkResult, speak

_LOGGER = logging.getLogger(__name__)

FILE_QUERY_PAGE: Final = 64
# Keepalives go out this long before the device's AliveInterval runs out.
_KEEPALIVE_MARGIN: Final = 0.25
# How long a two-socket download whose claim the device did not confirm may take to start
# before one socket is tried instead (a confirmed claim waits as long as the data needs).
_TWO_SOCKET_START_TIMEOUT: Final = 5.0
# A download gives up after this long without a packet. Recorders sending at real-time pace
# leave gaps of up to 74 s between chunks (measured); the caller's overall cap still applies.
DEFAULT_SILENCE_TIMEOUT: Final = 90.0
_CLAIM_GRACE: Final = 0.5
_STOP_GRACE: Final = 0.5
# Some firmware never answers AlarmSet and pushes all the same: waiting longer only delays.
DEFAULT_GUARD_TIMEOUT: Final = 3.0
# A busy recorder takes well over 10 s to answer a file search (up to 30 s measured).
DEFAULT_SEARCH_TIMEOUT: Final = 45.0
# Facts a device may never answer (SystemInfo, a configuration, abilities, channel titles,
# its clock): firmware ignores what it does not know instead of refusing it, so silence is an
# answer, and a long wait for it would only hold up setup. A device that knows the request
# answers it at once; one busy with a search gets that search's remaining time on top.
DEFAULT_FACT_TIMEOUT: Final = 4.0
_ONE_SECOND: Final = timedelta(seconds=1)
# A user name no device has, to learn what the device answers for an unknown user.
_PROBE_USER: Final = "dvrip-no-such-user"

type AlarmListener = Callable[[Alarm], None]
type DisconnectListener = Callable[[DvripError | None], None]


class DvripClient:
    """An asyncio client for one DVRIP device.

    `connect()` logs in and starts a keepalive. A request that finds the connection gone
    logs in again first (and renews the alarm subscription); listeners hear about every
    disconnect, so a caller can show the device as unavailable meanwhile. With
    `relogin_on_request=False` only `connect()` logs in again, and such a request fails
    with `DvripConnectionError`: a caller with its own reconnect policy (one that waits out
    a locked account, say) keeps the only say over logins.

    At most two connections are open at once: the session, and one more that stills and
    two-socket downloads take in turns (see `extra`), logged out after `idle_logout` s unused.
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        username: str = "admin",
        password: str = "",
        *,
        timeout: float = 10.0,
        keepalive_interval: float | None = None,
        max_downloads: int = 1,
        two_socket_downloads: bool | None = None,
        guard_timeout: float = DEFAULT_GUARD_TIMEOUT,
        search_timeout: float = DEFAULT_SEARCH_TIMEOUT,
        fact_timeout: float = DEFAULT_FACT_TIMEOUT,
        relogin_on_request: bool = True,
        idle_logout: float = DEFAULT_IDLE_LOGOUT,
        ret_205: LoginRefusal | None = None,
    ) -> None:
        self.host = host
        self.relogin_on_request = relogin_on_request
        self.port = port
        self.username = username
        self._password_hash = sofia_hash(password)
        self.timeout = timeout
        self.guard_timeout = guard_timeout
        self.search_timeout = max(search_timeout, timeout)
        self.fact_timeout = min(fact_timeout, timeout)
        self._keepalive_override = keepalive_interval
        self._connection: DvripConnection | None = None
        self._connect_lock = asyncio.Lock()
        self._keepalive_task: asyncio.Task[None] | None = None
        self._login_reply: dict[str, Any] = {}
        self._alarm_listeners: list[AlarmListener] = []
        self._disconnect_listeners: list[DisconnectListener] = []
        self._alarms_wanted = False
        self._download_slots = asyncio.Semaphore(max_downloads)
        # None: try a second socket first and remember whether the device served it.
        self._two_sockets = two_socket_downloads
        self._closing = False
        # Second sockets of downloads in progress: closed with the client.
        self._data_connections: set[DvripConnection] = set()
        self.device_info: DeviceInfo | None = None
        # Pushes dropped because they named another login session (see _handle_alarm_message).
        self.foreign_pushes = 0
        # What this device means by Ret 205, once asked (see _read_ret_205), or as a
        # caller remembers it from an earlier client.
        self._ret_205: LoginRefusal | None = ret_205
        # How the device answered the last AlarmSet; None before any.
        self.subscription: SubscriptionState | None = None
        self.idle_logout = idle_logout
        # A kept login gets no keepalives: it is logged out before the device would want one.
        self._extra = ExtraConnection(
            self._log_in_extra, _log_out, lambda: min(self.idle_logout, self.alive_interval)
        )

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- session ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.closed

    @property
    def session_id(self) -> int:
        return self._connection.session_id if self._connection else 0

    @property
    def alive_interval(self) -> float:
        """Seconds the device keeps a silent session alive (from the login reply)."""
        return float(parse_hex_int(self._login_reply.get("AliveInterval"), 20) or 20)

    @property
    def ret_205(self) -> LoginRefusal | None:
        """What this device means by Ret 205; None until it has been asked."""
        return self._ret_205

    @property
    def two_socket_downloads(self) -> bool | None:
        """Whether downloads use a second socket; None until the device has shown it."""
        return self._two_sockets

    @two_socket_downloads.setter
    def two_socket_downloads(self, value: bool | None) -> None:
        self._two_sockets = value

    @property
    def alarms_wanted(self) -> bool:
        """Whether logging in (again) subscribes to alarms: from `subscribe_alarms` to `close`."""
        return self._alarms_wanted

    @property
    def channel_count(self) -> int:
        return max(1, parse_hex_int(self._login_reply.get("ChannelNum"), 1))

    async def connect(self) -> None:
        """Connect and log in (again, if the connection was lost)."""
        self._closing = False
        await self._ensure_connected(login=True)

    async def close(self) -> None:
        """Log out when possible and stop every task this client started.

        A closed client logs in again only through `connect()`: requests made after
        `close()` (by a download still winding down, say) fail instead of reconnecting.
        """
        self._closing = True
        self._alarms_wanted = False
        await self._stop_keepalive()
        for data in list(self._data_connections):
            await data.aclose()
        await self._extra.close()
        connection, self._connection = self._connection, None
        if connection is not None:
            await _log_out(connection)

    def add_alarm_listener(self, listener: AlarmListener) -> Callable[[], None]:
        """Call `listener` with every pushed alarm; returns a function that removes it."""
        self._alarm_listeners.append(listener)
        return lambda: self._alarm_listeners.remove(listener)

    def add_disconnect_listener(self, listener: DisconnectListener) -> Callable[[], None]:
        """Call `listener` when the connection drops (not on `close()`)."""
        self._disconnect_listeners.append(listener)
        return lambda: self._disconnect_listeners.remove(listener)

    async def _ensure_connected(self, *, login: bool = False) -> DvripConnection:
        async with self._connect_lock:
            if self._closing:
                raise DvripConnectionError("the client is closed")
            if self._connection is not None and not self._connection.closed:
                return self._connection
            if not login and not self.relogin_on_request:
                raise DvripConnectionError("not connected (the session is down)")
            await self._stop_keepalive()
            connection = await DvripConnection.open(self.host, self.port, timeout=self.timeout)
            connection.on_alarm = functools.partial(self._handle_alarm_message, connection)
            connection.on_close = functools.partial(self._handle_close, connection)
            try:
                await self._start_session(connection)
            except BaseException:
                await connection.aclose()
                raise
            self._connection = connection
            self._keepalive_task = asyncio.create_task(
                self._keepalive(connection), name="dvrip keepalive"
            )
            return connection

    async def _start_session(self, connection: DvripConnection) -> None:
        self._login_reply = await self._login(connection)
        if self._alarms_wanted:
            await self._guard(connection)
        if connection.closed:
            # The device ended the login at once (forced logout, or it closed the socket).
            raise connection.close_reason or DvripConnectionError("connection closed")
        if self._closing:
            # close() ran while this login was under way: the session must not outlive it.
            raise DvripConnectionError("the client is closed")

    async def _log_in_extra(self) -> DvripConnection:
        """A login of its own beside the session, for `ExtraConnection`."""
        connection = await DvripConnection.open(
            self.host, self.port, timeout=self.timeout, name="extra"
        )
        try:
            # The session is logged in as the same user: a 205 here cannot mean "no such
            # user", and asking would open a third connection.
            await self._login(connection, ask_205=False)
        except BaseException:
            await connection.aclose()
            raise
        if self._closing:
            # close() ran while this login was under way: it must not outlive the client.
            await _log_out(connection)
            raise DvripConnectionError("the client is closed")
        return connection

    async def _login(self, connection: DvripConnection, *, ask_205: bool = True) -> dict[str, Any]:
        """Log in on `connection`; return the login reply."""
        packet = await connection.request(
            MessageId.LOGIN_REQ,
            _login_message(self.username, self._password_hash),
            timeout=self.timeout,
            required=True,
        )
        reply = decode_json(packet.payload)
        ret = parse_hex_int(reply.get("Ret"), RetCode.UNKNOWN_ERROR)
        if ret in AUTH_FAILURE_CODES:
            refusal = None
            if ret == RetCode.USER_LOCKED:
                # Without an answer, the safe reading: wait, rather than ask the user for a
                # password that may be right.
                refusal = LoginRefusal.LOCKED
                if ask_205:
                    # The refused socket is of no more use: the question takes its place.
                    await connection.aclose()
                    self._ret_205 = self._ret_205 or await self._read_ret_205()
                    refusal = self._ret_205 or refusal
            raise DvripAuthError(ret, refusal)
        if ret == RetCode.UNSUPPORTED or _wants_encrypted_login(reply):
            raise DvripUnsupportedError(
                "the device requires an encrypted login, which this integration does not speak"
            )
        if ret not in SUCCESS_CODES:
            raise DvripCommandError("login", ret)
        # Session ids are hex with or without "0x" (the vendor's examples write "00000001").
        session = parse_session_id(reply.get("SessionID")) or packet.header.session_id
        connection.session_id = session
        return reply

    async def _read_ret_205(self) -> LoginRefusal | None:
        """What this device means by Ret 205: a locked account, or an unknown user.

        Firmware differs. Asked for a user that cannot exist, firmware that says 205 for
        unknown users says 205 again; firmware whose 205 is a lock says something else
        (203, 204, 106). None when the device does not answer the question.
        """
        try:
            probe = await DvripConnection.open(
                self.host, self.port, timeout=self.timeout, name="login probe"
            )
        except DvripError:
            return None
        try:
            packet = await probe.request(
                MessageId.LOGIN_REQ,
                _login_message(_PROBE_USER, sofia_hash("")),
                timeout=self.timeout,
                required=True,
            )
            ret = parse_hex_int(decode_json(packet.payload).get("Ret"), RetCode.UNKNOWN_ERROR)
        except DvripError:
            return None
        finally:
            await probe.aclose()
        if ret == RetCode.USER_LOCKED:
            return LoginRefusal.INVALID_CREDENTIALS
        return LoginRefusal.LOCKED

    def _keepalive_period(self) -> float:
        if self._keepalive_override is not None:
            return self._keepalive_override
        return max(1.0, self.alive_interval * (1 - _KEEPALIVE_MARGIN))

    async def _keepalive(self, connection: DvripConnection) -> None:
        period = self._keepalive_period()
        # A dead link (half-open TCP after a reboot) shows as a missing keepalive reply.
        reply_timeout = min(self.timeout, period)
        while not connection.closed:
            await asyncio.sleep(period)
            try:
                await self._request_on(
                    connection,
                    MessageId.KEEPALIVE_REQ,
                    {"Name": "KeepAlive"},
                    command="KeepAlive",
                    # The answer queues behind a slow request in flight (a long search).
                    timeout=reply_timeout + connection.busy_for(),
                    required=True,
                )
            except (DvripCommandError, DvripProtocolError) as err:
                # An answer, even a refusal or garbled JSON, shows the link is alive.
                _LOGGER.debug("Keepalive answered oddly: %s", err)
            except DvripError:
                return

    async def _stop_keepalive(self) -> None:
        task, self._keepalive_task = self._keepalive_task, None
        if task is None or task is asyncio.current_task():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _handle_close(self, connection: DvripConnection, reason: DvripError | None) -> None:
        # Only the live connection's loss matters; one that failed during login raised already.
        if self._closing or connection is not self._connection:
            return
        _LOGGER.debug("Connection to %s lost: %s", self.host, reason)
        for listener in list(self._disconnect_listeners):
            try:
                listener(reason)
            except Exception:
                _LOGGER.exception("Disconnect listener failed")

    def _handle_alarm_message(
        self, connection: DvripConnection, message: dict[str, Any], header_session: int
    ) -> None:
        # A push naming another login session is not ours: firmware that copies every
        # session's pushes to every socket would otherwise deliver each alarm twice. An id
        # of 0 (or none) is taken as ours; some firmware leaves it out.
        named = parse_session_id(message.get("SessionID"))
        if any(session not in (0, connection.session_id) for session in (header_session, named)):
            self.foreign_pushes += 1
            _LOGGER.debug(
                "Ignored an alarm push for session 0x%X (ours is 0x%X)",
                named or header_session,
                connection.session_id,
            )
            return
        alarm = Alarm.from_message(message)
        if alarm is None:
            _LOGGER.debug("Ignored an alarm push without AlarmInfo")
            return
        for listener in list(self._alarm_listeners):
            try:
                listener(alarm)
            except Exception:
                _LOGGER.exception("Alarm listener failed")

    # -- requests --------------------------------------------------------------------------

    async def _request_on(
        self,
        connection: DvripConnection,
        msg_id: int,
        message: dict[str, Any],
        *,
        command: str,
        timeout: float | None = None,
        accept: frozenset[int] = SUCCESS_CODES,
        required: bool = False,
    ) -> dict[str, Any]:
        """Send a request and return its reply's JSON when its Ret is accepted.

        A timeout raises `DvripTimeoutError`; it closes the connection only when `required`
        (see `DvripConnection.request`).
        """
        reply_id = msg_id + 1
        name = str(message.get("Name") or "")
        if not required and connection.abandoned(reply_id, name):
            await self._settle_late_replies(connection, reply_id, name)
        message = {**message, "SessionID": format_session_id(connection.session_id)}
        packet = await connection.request(
            msg_id, message, timeout=timeout or self.timeout, required=required
        )
        reply = decode_json(packet.payload)
        ret = parse_hex_int(reply.get("Ret"), RetCode.UNKNOWN_ERROR)
        if ret not in accept:
            raise DvripCommandError(command, ret)
        return reply

    async def _settle_late_replies(
        self, connection: DvripConnection, reply_id: int, name: str
    ) -> None:
        """Make sure an abandoned request's reply is not taken for a new one of the same name.

        Its `Name` cannot tell the two apart. Devices answer a connection's requests in
        order, so once a keepalive sent now is answered, the abandoned reply has come (and
        was dropped, nothing waiting for it) or is not coming.
        """
        with contextlib.suppress(DvripCommandError, DvripProtocolError):
            await self._request_on(
                connection,
                MessageId.KEEPALIVE_REQ,
                {"Name": "KeepAlive"},
                command="KeepAlive",
                timeout=self.timeout + connection.busy_for(),
                required=True,
            )
        connection.settle_abandoned(reply_id, name)

    async def _request(
        self,
        msg_id: int,
        message: dict[str, Any],
        *,
        command: str,
        accept: frozenset[int] = SUCCESS_CODES,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        connection = await self._ensure_connected()
        return await self._request_on(
            connection, msg_id, message, command=command, accept=accept, timeout=timeout
        )

    async def _optional_request(
        self, msg_id: int, message: dict[str, Any], *, command: str
    ) -> dict[str, Any]:
        """A request the device may leave unanswered: the fact timeout, the connection kept."""
        connection = await self._ensure_connected()
        return await self._request_on(
            connection,
            msg_id,
            message,
            command=command,
            timeout=self.fact_timeout + connection.busy_for(),
        )

    async def _fact_on(
        self, connection: DvripConnection, msg_id: int, name: str
    ) -> dict[str, Any] | None:
        """The reply to a request for a fact the device may refuse or never answer; None then.

        A connection lost meanwhile still raises: that is no answer about the fact.
        """
        try:
            return await self._request_on(
                connection,
                msg_id,
                {"Name": name},
                command=name,
                timeout=self.fact_timeout + connection.busy_for(),
            )
        except DvripCommandError as err:
            _LOGGER.debug("%s refuses %s: %s", self.host, name, err)
        except DvripTimeoutError as err:
            if connection.closed:
                raise
            _LOGGER.debug("%s does not answer %s: %s", self.host, name, err)
        return None

    async def _fact(self, msg_id: int, name: str) -> dict[str, Any] | None:
        return await self._fact_on(await self._ensure_connected(), msg_id, name)

    # -- operations ------------------------------------------------------------------------

    async def get_system_info(self, name: str = "SystemInfo") -> Any:
        """`SystemInfo`, `StorageInfo` or `WorkState` (1020); `DvripTimeoutError` or
        `DvripCommandError` when not given.
        """
        reply = await self._optional_request(MessageId.SYSINFO_REQ, {"Name": name}, command=name)
        if (info := reply.get(name)) is None:
            raise DvripProtocolError(f"{name} reply without {name}")
        return info

    async def get_device_info(self) -> DeviceInfo:
        """Serial, model, firmware and channel count.

        The serial, model and firmware come from `SystemInfo`; a device that does not answer
        it is described by its login alone (no serial: see `DeviceInfo.serial`).
        """
        reply = await self._fact(MessageId.SYSINFO_REQ, "SystemInfo")
        info = reply.get("SystemInfo") if reply is not None else None
        if not isinstance(info, dict):
            info = {}
        login = self._login_reply
        device_type = ""
        for key, value in login.items():
            # The key is "DeviceType " with a trailing space on most firmware.
            if key.strip() == "DeviceType":
                device_type = str(value).strip()
        self.device_info = DeviceInfo(
            serial=str(info.get("SerialNo") or "").strip(),
            model=str(info.get("HardWare") or device_type or "DVRIP device").strip(),
            firmware=str(info.get("SoftWareVersion") or "").strip(),
            hardware=str(info.get("HardWareVersion") or "").strip(),
            channels=self.channel_count,
            extra_channels=parse_hex_int(login.get("ExtraChannel"), 0),
            device_type=device_type,
        )
        return self.device_info

    async def get_time(self) -> datetime:
        """The device's clock (its own local time, no zone).

        Raises `DvripTimeoutError` (connection kept) when the device does not answer.
        """
        reply = await self._optional_request(
            MessageId.TIMEQUERY_REQ, {"Name": "OPTimeQuery"}, command="OPTimeQuery"
        )
        value = parse_camera_time(reply.get("OPTimeQuery"))
        if value is None:
            raise DvripProtocolError(f"unreadable device time {reply.get('OPTimeQuery')!r}")
        return value

    async def set_time(self, moment: datetime) -> None:
        """Set the device's clock to `moment` (its local time; a zone, if any, is dropped).

        OPTimeSetting, as python-dvr's `set_time` sends it. Raises `DvripCommandError` when
        refused, `DvripTimeoutError` (connection kept) when not answered.
        """
        await self._optional_request(
            MessageId.TIMESET_REQ,
            {"Name": "OPTimeSetting", "OPTimeSetting": format_camera_time(moment)},
            command="OPTimeSetting",
        )

    async def get_config(self, name: str) -> Any:
        """A configuration section, e.g. `Detect.MotionDetect` (ConfigGet, 1042).

        Raises `DvripCommandError` when refused, `DvripTimeoutError` (connection kept)
        when not answered: firmware ignores names it does not know.
        """
        reply = await self._optional_request(MessageId.CONFIG_GET, {"Name": name}, command=name)
        return reply.get(name)

    async def get_optional_config(self, name: str) -> Any:
        """A configuration section; None when the device refuses it or does not answer."""
        reply = await self._fact(MessageId.CONFIG_GET, name)
        return reply.get(name) if reply is not None else None

    async def set_config(self, name: str, value: Any) -> None:
        """Write a configuration section (ConfigSet, 1040), whole, as `get_config` read it.

        A section is written whole: firmware replaces it, so read, change and write back.
        Raises `DvripCommandError` when refused, `DvripTimeoutError` (connection kept) when
        not answered.
        """
        await self._optional_request(
            MessageId.CONFIG_SET, {"Name": name, name: value}, command=name
        )

    async def send_command(self, msg_id: int, name: str, body: Any) -> dict[str, Any]:
        """A command (`{"Name": name, name: body}`) on the logged-in session; its reply.

        For the controls (PTZ, siren, reboot...): raises `DvripCommandError` when the device
        refuses it, `DvripTimeoutError` (connection kept) when it does not answer in the
        fact timeout.
        """
        return await self._optional_request(msg_id, {"Name": name, name: body}, command=name)

    async def get_channel_statuses(self) -> list[ChannelStatus] | None:
        """Which channels of a recorder have a camera behind them; None if it does not say.

        A recorder's login counts every channel it could serve (32 with one camera
        connected); the configuration `NetWork.ChnStatus` (ConfigGet) says `NoConfig` for
        the empty ones.
        """
        entries = await self.get_optional_config("NetWork.ChnStatus")
        if not isinstance(entries, list):
            return None
        return [
            ChannelStatus.from_entry(channel, entry)
            for channel, entry in enumerate(entries[: self.channel_count])
            if isinstance(entry, dict)
        ]

    async def get_abilities(self) -> Abilities | None:
        """The alarm abilities `SystemFunction` reports; None when unknown (refused, not
        answered, or without `AlarmFunction`).
        """
        reply = await self._fact(MessageId.ABILITY_GET, "SystemFunction")
        return parse_abilities(reply.get("SystemFunction")) if reply is not None else None

    async def get_channel_titles(self) -> list[str]:
        """One title per channel (stripped); [] when the device has none to give."""
        connection = await self._ensure_connected()
        for msg_id in (MessageId.CHANNEL_TITLE_GET, MessageId.CONFIG_GET):
            reply = await self._fact_on(connection, msg_id, "ChannelTitle")
            if reply is not None:
                return parse_channel_titles(reply.get("ChannelTitle"))
        return []

    async def get_device_name(self) -> str | None:
        """The name given to the device (`MachineName`); None when it has none or says none."""
        return parse_device_name(await self.get_optional_config("General.General"))

    async def subscribe_alarms(self) -> SubscriptionState:
        """Ask for alarm pushes (AlarmSet); renewed by every reconnect until `close()`.

        Pushes are taken whatever the answer: some firmware never answers, or answers
        empty or with another Ret, and pushes all the same. The answer is kept in
        `subscription`.
        """
        self._alarms_wanted = True
        connection = self._connection
        if connection is None or connection.closed:
            # Logging in subscribes, now that alarms are wanted.
            await self._ensure_connected()
        else:
            await self._guard(connection)
        assert self.subscription is not None
        return self.subscription

    async def _guard(self, connection: DvripConnection) -> SubscriptionState:
        """Send AlarmSet and read its answer, if one comes; silence keeps the session."""
        waiter = connection.expect(MessageId.GUARD_RSP)
        try:
            connection.send(
                MessageId.GUARD_REQ,
                {"Name": "", "SessionID": format_session_id(connection.session_id)},
            )
            done, _ = await asyncio.wait({waiter}, timeout=self.guard_timeout)
        finally:
            connection.forget(MessageId.GUARD_RSP, waiter)
        if not done:
            if connection.closed:
                raise connection.close_reason or DvripConnectionError("connection closed")
            state = SubscriptionState(AlarmSubscription.UNANSWERED)
        else:
            state = _subscription_state(waiter.result())
        if state.status is not AlarmSubscription.CONFIRMED:
            _LOGGER.debug("AlarmSet on %s: %s; taking pushes all the same", self.host, state)
        self.subscription = state
        return state

    async def query_files(
        self,
        begin: datetime,
        end: datetime,
        *,
        channel: int = 0,
        file_type: FileType = FileType.VIDEO,
        event: str = "*",
        max_files: int = 10_000,
    ) -> list[RecordFile]:
        """Files recorded between `begin` and `end` (camera clock), oldest first.

        Devices return at most 64 entries and no "more" flag, so the query is repeated
        from the last entry's BeginTime until a short page, an end code, or nothing new.
        """
        files: dict[str, RecordFile] = {}
        cursor = begin
        # Entries the device has returned in this search, repeats included: some firmware
        # ends a search after SEARCH_RESULT_CAP of them with a short page.
        returned = 0
        while len(files) < max_files:
            reply = await self._request(
                MessageId.FILESEARCH_REQ,
                {
                    "Name": "OPFileQuery",
                    "OPFileQuery": {
                        "BeginTime": format_camera_time(cursor),
                        "EndTime": format_camera_time(end),
                        "Channel": channel,
                        "DriverTypeMask": "0x0000FFFF",
                        "Event": event,
                        "StreamType": "0x00000000",
                        "Type": str(file_type),
                    },
                },
                command="OPFileQuery",
                accept=SUCCESS_CODES | SEARCH_END_CODES | {RetCode.SEARCH_PARTIAL},
                timeout=self.search_timeout,
            )
            entries = _search_entries(reply)
            if isinstance(entries, dict):
                entries = [entries]
            if not isinstance(entries, list):
                entries = []
            new = 0
            last_begin = cursor
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                try:
                    record = RecordFile.from_entry(entry, file_type, channel)
                except ValueError as err:
                    _LOGGER.debug("Skipped a file entry: %s", err)
                    continue
                last_begin = max(last_begin, record.begin)
                if record.name not in files:
                    files[record.name] = record
                    new += 1
            returned += len(entries)
            # 110 ("all files returned") hands over its entries, then the search is done.
            if parse_hex_int(reply.get("Ret"), 0) in SEARCH_END_CODES or not entries:
                break
            capped = returned % SEARCH_RESULT_CAP == 0
            if len(entries) < FILE_QUERY_PAGE and not capped:
                break
            if new == 0:
                if last_begin > cursor:
                    break
                # A full page inside one second: the device pages by BeginTime only, so go
                # on from the next second rather than ask for the same page again.
                last_begin = cursor + _ONE_SECOND
                if last_begin > end:
                    break
            cursor = last_begin
        return sorted(files.values(), key=lambda record: (record.begin, record.name))[:max_files]

    async def snapshot(self, channel: int = 0) -> bytes:
        """A whole live JPEG from OPSNAP, on the second connection's login.

        A still can be slow, large or refused; on another connection none of that can
        delay or drop the alarm session. It waits its turn there (a download's, another
        still's) up to the request timeout, then raises `DvripBusyError`. Raises
        `DvripCommandError` where the device refuses stills, `DvripAuthError` where it
        refuses the second login, `DvripTimeoutError` when no whole picture comes in time,
        and `DvripProtocolError` for anything that is not a picture: never half a JPEG.
        """
        await self._ensure_connected()
        async with self._extra.login(wait=self.timeout) as connection:
            return await self._snapshot_on(connection, channel)

    async def _snapshot_on(self, connection: DvripConnection, channel: int) -> bytes:
        queue = media_queue()
        connection.route_media(queue)
        try:
            connection.send(
                MessageId.SNAP_REQ,
                {
                    "Name": "OPSNAP",
                    "OPSNAP": {"Channel": channel},
                    "SessionID": format_session_id(connection.session_id),
                },
            )
            assembler = StillAssembler()
            picture: bytes | None = None
            try:
                async with asyncio.timeout(self.timeout):
                    while picture is None:
                        packet = await next_packet(queue, connection.closed_event, "the still")
                        picture = assembler.add(packet)
            except TimeoutError:
                raise DvripTimeoutError(
                    f"no whole still of channel {channel + 1} within {self.timeout} s"
                ) from None
            return picture
        finally:
            connection.route_media(None)

    async def live_keyframe(
        self, channel: int = 0, stream: LiveStreamType = LiveStreamType.EXTRA
    ) -> MediaFrame:
        """The first keyframe of a channel's live stream (see `monitor`), on the second
        connection's turn: a still where OPSNAP is refused or stuck.
        """
        await self._ensure_connected()
        async with self._extra.login(wait=self.timeout) as connection:
            return await first_keyframe(connection, channel, stream, request_timeout=self.timeout)

    async def speak(
        self, alaw: bytes, *, on_started: Callable[[], None] | None = None
    ) -> TalkResult:
        """Play 8 kHz A-law audio on the camera's speaker (see `talk`), paced at real time,
        on the second connection's turn: stills wait for it meanwhile.
        """
        await self._ensure_connected()
        async with self._extra.login(wait=self.timeout) as connection:
            return await speak(
                connection, alaw, request_timeout=self.timeout, on_started=on_started
            )

    async def download(
        self,
        record: RecordFile,
        destination: Path | DownloadSink,
        *,
        timeout: float = 60.0,
        silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
        window: tuple[datetime, datetime] | None = None,
    ) -> DownloadResult:
        """Stream a recorded file to a path or sink; raise `DvripTimeoutError` past `timeout`.

        Downloads take turns (devices crash under parallel downloads). A second socket
        carries the data where the device allows it, so alarms keep flowing meanwhile. A
        download also gives up after `silence_timeout` seconds without a packet. `window`
        (camera clock) asks for that part of the recording only.
        """
        part = _Part(record, window, silence_timeout)
        async with self._download_slots:
            try:
                async with asyncio.timeout(timeout):
                    if isinstance(destination, Path):
                        async with FileSink(destination) as sink:
                            return await self._download(part, sink)
                    return await self._download(part, destination)
            except TimeoutError:
                raise DvripTimeoutError(
                    f"download of {record.name} did not finish within {timeout} s"
                ) from None

    async def _download(self, part: _Part, sink: DownloadSink) -> DownloadResult:
        connection = await self._ensure_connected()
        if self._two_sockets is not False:
            try:
                # The data socket is the second connection: it waits for a still, and the
                # kept login steps aside for it.
                async with self._extra.turn():
                    received = await self._download_two_sockets(connection, part, sink)
            except (NoDataError, DvripCommandError) as err:
                if self._two_sockets:
                    raise
                # Not known yet whether this device serves a second socket: a refusal or
                # silence there may only mean it does not, so one socket gets the last word.
                _LOGGER.debug("Device %s: no download on a second socket (%s)", self.host, err)
                self._two_sockets = False
            else:
                self._two_sockets = True
                return DownloadResult(received, sockets=2)
        received = await self._download_one_socket(connection, part, sink)
        return DownloadResult(received, 1)

    async def _download_two_sockets(
        self, control: DvripConnection, part: _Part, sink: DownloadSink
    ) -> int:
        data = await DvripConnection.open(self.host, self.port, timeout=self.timeout, name="data")
        self._data_connections.add(data)
        data.session_id = control.session_id
        queue = media_queue()
        data.route_media(queue)
        claim_reply = data.expect(MessageId.PLAYBACK_CLAIM_RSP)
        refused = False
        try:
            data.send(
                MessageId.PLAYBACK_CLAIM,
                part.message("Claim", control.session_id),
            )
            # The two sockets are not ordered against each other: a DownloadStart that
            # overtakes its claim is refused. Devices that confirm the claim say when it
            # is in; for the others a short grace has to do.
            await asyncio.wait({claim_reply}, timeout=_CLAIM_GRACE)
            control.send(
                MessageId.PLAYBACK_REQ,
                part.message("DownloadStart", control.session_id),
            )
            # Whether the device serves a second socket is read from its answers: a claim it
            # confirmed there says so, however slow the first packet then is. Only a device
            # that said nothing is given up on after a while.
            if _accepted(claim_reply):
                self._two_sockets = True
            first_timeout = None if self._two_sockets else _TWO_SOCKET_START_TIMEOUT
            return await _transfer(
                pump_media(
                    queue,
                    sink,
                    data,
                    first_packet_timeout=first_timeout,
                    silence_timeout=part.silence,
                    expected_bytes=part.expected_bytes,
                ),
                [claim_reply, control.expect(MessageId.PLAYBACK_RSP)],
            )
        except DvripCommandError:
            refused = True
            raise
        finally:
            self._data_connections.discard(data)
            await data.aclose()
            if not refused:
                await self._stop_download(control, part)

    async def _download_one_socket(
        self, control: DvripConnection, part: _Part, sink: DownloadSink
    ) -> int:
        queue = media_queue()
        control.route_media(queue)
        try:
            control.send(
                MessageId.PLAYBACK_CLAIM,
                part.message("Claim", control.session_id),
            )
            control.send(
                MessageId.PLAYBACK_REQ,
                part.message("DownloadStart", control.session_id),
            )
            return await _transfer(
                pump_media(
                    queue,
                    sink,
                    control,
                    silence_timeout=part.silence,
                    expected_bytes=part.expected_bytes,
                ),
                [
                    control.expect(MessageId.PLAYBACK_CLAIM_RSP),
                    control.expect(MessageId.PLAYBACK_RSP),
                ],
            )
        finally:
            control.route_media(None)
            await self._stop_download(control, part)

    @staticmethod
    async def _stop_download(control: DvripConnection, part: _Part) -> None:
        """Send DownloadStop, when done or abandoned, and take in its optional reply.

        The reply must not be left for the next download to mistake for its own.
        """
        if control.closed:
            return
        stop_reply = control.expect(MessageId.PLAYBACK_RSP)
        try:
            control.send(
                MessageId.PLAYBACK_REQ,
                part.message("DownloadStop", control.session_id),
            )
            await asyncio.wait({stop_reply}, timeout=_STOP_GRACE)
        finally:
            control.forget(MessageId.PLAYBACK_RSP, stop_reply)


@dataclass(frozen=True, slots=True)
class _Part:
    """What one download asks for: a recording, or a window of it, and its patience."""

    record: RecordFile
    window: tuple[datetime, datetime] | None
    silence: float

    @property
    def expected_bytes(self) -> int:
        """FileLength in bytes, where the whole file is asked for (0: unknown)."""
        return 0 if self.window is not None else self.record.size_bytes

    def message(self, action: str, session_id: int) -> dict[str, Any]:
        return playback_message(self.record, action, session_id, self.window)


async def _transfer(pump: Coroutine[Any, Any, int], replies: list[asyncio.Future[Packet]]) -> int:
    """Run a media pump, failing fast when the device refuses the claim or the start.

    The JSON replies are optional (many devices send only data), so a reply that never
    comes is not an error; one that says no is.
    """
    pump_task = asyncio.ensure_future(pump)
    watch_task = asyncio.ensure_future(_first_refusal(replies))
    try:
        done, _ = await asyncio.wait({pump_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
        if watch_task in done:
            watch_task.result()
        return await pump_task
    finally:
        for task in (pump_task, watch_task):
            task.cancel()
        await asyncio.gather(pump_task, watch_task, return_exceptions=True)
        for reply in replies:
            reply.cancel()


async def _first_refusal(replies: list[asyncio.Future[Packet]]) -> None:
    pending: set[asyncio.Future[Packet]] = set(replies)
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for answered in done:
            if answered.cancelled() or answered.exception() is not None:
                continue
            try:
                reply = decode_json(answered.result().payload)
            except DvripProtocolError:
                continue
            ret = parse_hex_int(reply.get("Ret"), RetCode.OK)
            if ret not in SUCCESS_CODES:
                raise DvripCommandError("OPPlayBack", ret)


async def _log_out(connection: DvripConnection) -> None:
    """Log out where the device still listens, and close the socket."""
    await connection.log_out()


def _search_entries(reply: dict[str, Any]) -> Any:
    """A search answer's entries: under `OPFileQuery`, or under the key its `Name` names
    (`{"Name": "FileList", "FileList": [...]}` in the vendor's interface document, 5.8).
    """
    entries = reply.get("OPFileQuery")
    if entries is None:
        name = reply.get("Name")
        entries = reply.get(name) if isinstance(name, str) and name else None
    if entries is None:
        entries = reply.get("FileList")
    return entries


def _login_message(username: str, password_hash: str) -> dict[str, Any]:
    return {
        "EncryptType": "MD5",
        "LoginType": "DVRIP-Web",
        "PassWord": password_hash,
        "UserName": username,
    }


def _accepted(reply: asyncio.Future[Packet]) -> bool:
    """Whether a reply has come and says yes."""
    if not reply.done() or reply.cancelled() or reply.exception() is not None:
        return False
    try:
        answer = decode_json(reply.result().payload)
    except DvripProtocolError:
        return False
    return parse_hex_int(answer.get("Ret"), RetCode.UNKNOWN_ERROR) in SUCCESS_CODES


def _subscription_state(packet: Packet) -> SubscriptionState:
    try:
        reply = decode_json(packet.payload) if packet.payload.strip(b"\x00\n\r\t ") else {}
    except DvripProtocolError:
        reply = {}
    if "Ret" not in reply:
        return SubscriptionState(AlarmSubscription.EMPTY_REPLY)
    ret = parse_hex_int(reply.get("Ret"), RetCode.UNKNOWN_ERROR)
    if ret in SUCCESS_CODES:
        return SubscriptionState(AlarmSubscription.CONFIRMED, ret)
    return SubscriptionState(AlarmSubscription.REFUSED, ret)


def _wants_encrypted_login(reply: dict[str, Any]) -> bool:
    encrypt = str(reply.get("EncryptType") or "MD5").upper()
    return encrypt not in ("MD5", "NONE", "")
