"""File downloads (OPPlayBack), the way the simulated camera serves them.

1. Claim 1424 {"Name":"OPPlayBack","OPPlayBack":{"Action":"Claim",...,"Parameter":
   {"FileName":NAME,...}}}. Sent either on the logged-in socket (data then flows on it,
   interleaved with pushes and replies) or on a second socket that never logs in and carries
   the control session's id in its header and JSON "SessionID" (data then flows on that second
   socket). Profiles without two-socket support ignore a claim on a socket that has not logged
   in: it gets no answer at all, like any other request before login.
2. DownloadStart 1420 (same body, "Action":"DownloadStart") on the logged-in socket starts the
   transfer of the claimed file. Profiles with ``json_before_data`` answer the claim with 1425
   and DownloadStart with 1421 (Ret 100) before any data; others answer neither.
3. Data goes out as 1426 packets of ``chunk_size`` bytes (header byte 12 = channel, byte 13 =
   end flag), ended by the profile's end marker: a zero-length packet, the end flag on the last
   packet, both, 1422 packets with the end flag, an EOF notice on 1423 followed by the socket
   closing, the socket closing alone, or nothing (FileLength tells the size). A placeholder
   picture has no data: only the end marker is sent.
4. DownloadStop 1420 stops the transfer at once (no end marker) and is answered with 1421
   Ret 100 whatever the profile.

Claim and DownloadStart travel on different sockets in the two-socket way, so they may arrive
in either order: a DownloadStart with no matching claim waits up to ``claim_grace`` seconds
(other requests keep being served meanwhile) for one. If none comes, profiles with
``json_before_data`` answer 1421 Ret 103; the others stay silent, as they are about
OPPlayBack in general (so a client trying two sockets on such a device sees no data at all).

Fault "cut_download": the next transfer sends half its data, then resets its data socket
(RST), as a camera losing its link mid-file would.

Errors: an unknown FileName or a malformed claim is answered with 1425 Ret 103, whatever the
profile. A claim on a second socket naming a session that does not exist is answered with 1425
Ret 105. A new DownloadStart stops the session's running transfer first. Other actions of 1420
("Start", "Stop": paced playback) get Ret 102. A bandwidth limit paces the data with asyncio
sleeps between chunks; a "silence" fault pauses the transfer until it ends.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
import logging
from typing import Any

from simulator.device import Device, Requester
from simulator.history import HistoryEntry, RecordType
from simulator.link import DownloadClaim, LoginSession
from simulator.profiles import EndMarker
from simulator.wire import MessageId, Packet, Ret, parse_hex, parse_time

_LOGGER = logging.getLogger(__name__)

# End markers that are data packets (an empty one ends a file with no data at all).
_MARKED_BY_PACKETS = frozenset(
    {EndMarker.ZERO_LENGTH, EndMarker.END_FLAG, EndMarker.BOTH, EndMarker.PLAYBACK_FLAG}
)


class Transfer:
    """A running download of one claimed file."""

    def __init__(self, camera: Device, claim: DownloadClaim) -> None:
        self.camera = camera
        self.claim = claim
        self.bytes_sent = 0
        self._task = camera.spawn(self._run(), f"download {claim.entry.file_name}")

    @property
    def done(self) -> bool:
        return self._task.done()

    def cancel(self) -> None:
        self._task.cancel()

    def _due(self, started: float, total: int, recorded: float) -> float:
        """When the next chunk may go out: by bandwidth, or at the recording's own pace."""
        config = self.camera.config
        due = started
        if config.bandwidth:
            due = max(due, started + self.bytes_sent / config.bandwidth)
        if config.playback_speed and recorded > 0:
            position = self.bytes_sent / max(1, total) * recorded
            if config.burst_seconds:
                # Recorders send in bursts, silent in between (gaps of 3 to 74 s measured).
                position = position // config.burst_seconds * config.burst_seconds
            due = max(due, started + min(position, recorded) / config.playback_speed)
        return due

    async def _run(self) -> None:
        camera = self.camera
        profile = camera.profile
        entry = self.claim.entry
        connection = self.claim.data_connection
        session_id = self.claim.session.session_id
        camera.count_download(started=True)
        completed = False
        try:
            await camera.wait_downloads_flowing(entry)
            window = self.claim.window
            data = await (entry.window_media(*window) if window else entry.media())
            # Seconds of recording the data holds, for real-time pacing (pictures have none).
            begin, end = window or (entry.begin, entry.end)
            recorded = (end - begin).total_seconds()
            flag_last = profile.end_marker in (
                EndMarker.END_FLAG,
                EndMarker.BOTH,
                EndMarker.PLAYBACK_FLAG,
            )
            message_id = (
                MessageId.PLAYBACK_DATA
                if profile.end_marker is EndMarker.PLAYBACK_FLAG
                else MessageId.DOWNLOAD_DATA
            )
            zero_length = profile.end_marker in (EndMarker.ZERO_LENGTH, EndMarker.BOTH)
            size = profile.chunk_size
            chunks = [data[i : i + size] for i in range(0, len(data), size)]
            # A cut comes halfway through the bytes (the whole file can be one chunk).
            cut_at = len(data) // 2 if camera.take_download_cut() else None
            if cut_at is not None:
                half = data[:cut_at]
                chunks = [half[i : i + size] for i in range(0, len(half), size)] or [b""]
            loop = asyncio.get_running_loop()
            started = loop.time()
            if camera.config.first_packet_delay:
                await asyncio.sleep(camera.config.first_packet_delay)
                started = loop.time()
            for index, chunk in enumerate(chunks):
                await camera.wait_audible()
                if cut_at is not None and index == len(chunks) - 1:
                    if chunk:
                        await connection.send_media(
                            chunk,
                            session_id=session_id,
                            channel=entry.channel,
                            end=False,
                            message_id=message_id,
                        )
                        self.bytes_sent += len(chunk)
                    _LOGGER.info("Cutting the download of %s", entry.file_name)
                    connection.abort()
                    return
                last = index == len(chunks) - 1
                if not await connection.send_media(
                    chunk,
                    session_id=session_id,
                    channel=entry.channel,
                    end=last and flag_last,
                    message_id=message_id,
                ):
                    return
                self.bytes_sent += len(chunk)
                delay = self._due(started, len(data), recorded) - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            if zero_length or (not chunks and profile.end_marker in _MARKED_BY_PACKETS):
                await camera.wait_audible()
                if not await connection.send_media(
                    b"",
                    session_id=session_id,
                    channel=entry.channel,
                    end=flag_last,
                    message_id=message_id,
                ):
                    return
            if profile.end_marker is EndMarker.EOF_NOTICE:
                await connection.reply(
                    MessageId.PLAYBACK_EOF,
                    {
                        "Name": "OPPlayBack",
                        "OPPlayBack": {"Action": "EOF", "Parameter": {"FileName": entry.file_name}},
                    },
                    session_id=session_id,
                )
            if profile.end_marker in (EndMarker.EOF_NOTICE, EndMarker.CLOSE):
                # The end of the file closes the socket it went out on.
                await connection.close()
            completed = True
            camera.count_recording_sent(recorded)
            _LOGGER.debug("Sent %s (%d bytes)", entry.file_name, self.bytes_sent)
        finally:
            session = self.claim.session
            if session.transfer is self:
                session.transfer = None
            camera.count_download(completed=completed)


def _window(body: dict[str, Any], entry: HistoryEntry) -> tuple[datetime, datetime] | None:
    """The StartTime/EndTime of a claim when they select part of the file (vendor 4.9.1)."""
    playback = body.get("OPPlayBack")
    if not isinstance(playback, dict) or entry.record_type is not RecordType.VIDEO:
        return None
    begin = parse_time(playback.get("StartTime"))
    end = parse_time(playback.get("EndTime"))
    if begin is None or end is None or begin >= end:
        return None
    begin, end = max(begin, entry.begin), min(end, entry.end)
    if (begin, end) == (entry.begin, entry.end):
        return None
    return begin, end


def _playback_params(body: dict[str, Any]) -> tuple[object, object]:
    """(Action, Parameter.FileName) of an OPPlayBack body; None for what is missing."""
    playback = body.get("OPPlayBack")
    if not isinstance(playback, dict):
        return None, None
    parameter = playback.get("Parameter")
    file_name = parameter.get("FileName") if isinstance(parameter, dict) else None
    return playback.get("Action"), file_name


async def claim(
    connection: Requester, packet: Packet, body: dict[str, Any], *, data_socket: bool
) -> None:
    """Handle a Claim (1424) on the logged-in socket or on a second data socket."""
    camera = connection.camera
    session: LoginSession | None
    if data_socket:
        session_id = parse_hex(body.get("SessionID")) or packet.header.session_id
        session = camera.session_by_id(session_id)
        if session is None:
            await connection.reply(
                MessageId.PLAYBACK_CLAIM_REPLY,
                {"Name": "OPPlayBack", "Ret": Ret.NOT_LOGGED_IN},
                session_id=session_id,
            )
            return
    else:
        session = connection.login
        assert session is not None
    action, file_name = _playback_params(body)
    entry = camera.history.find(file_name) if isinstance(file_name, str) else None
    if action != "Claim" or entry is None:
        _LOGGER.info("%r: refusing claim of %r (%r)", connection, file_name, action)
        await connection.reply(
            MessageId.PLAYBACK_CLAIM_REPLY,
            {"Name": "OPPlayBack", "Ret": Ret.ILLEGAL_REQUEST},
            session_id=session.session_id,
        )
        return
    # One pending claim per data socket: a new claim replaces the previous one.
    session.claims = [c for c in session.claims if c.data_connection is not connection]
    session.claims.append(DownloadClaim(entry, connection, session, _window(body, entry)))
    camera.notify()
    if camera.profile.json_before_data:
        await connection.reply(
            MessageId.PLAYBACK_CLAIM_REPLY,
            {"Name": "OPPlayBack", "Ret": Ret.OK},
            session_id=session.session_id,
        )


async def playback(connection: Requester, packet: Packet, body: dict[str, Any]) -> None:
    """Handle OPPlayBack 1420 on the logged-in socket: DownloadStart or DownloadStop."""
    camera = connection.camera
    session = connection.login
    assert session is not None
    action, file_name = _playback_params(body)
    if action == "DownloadStop":
        session.cancel_pending_start()
        if session.cancel_transfer():
            _LOGGER.debug("%r: download stopped", connection)
        await connection.reply(MessageId.PLAYBACK_REPLY, {"Name": "OPPlayBack", "Ret": Ret.OK})
        return
    if action != "DownloadStart":
        await connection.reply(
            MessageId.PLAYBACK_REPLY, {"Name": "OPPlayBack", "Ret": Ret.UNSUPPORTED}
        )
        return
    wanted = file_name if isinstance(file_name, str) else None
    claim = _find_claim(session, wanted)
    session.cancel_pending_start()
    if claim is not None:
        await _start(connection, session, claim)
        return
    # The claim may still be on its way over the other socket: wait for it a little, without
    # holding up this socket's other requests.
    session.pending_start = camera.spawn(
        _start_when_claimed(connection, session, wanted), "download start"
    )


def _find_claim(session: LoginSession, file_name: str | None) -> DownloadClaim | None:
    for claim in reversed(session.claims):
        if file_name is None or claim.entry.file_name == file_name:
            return claim
    return None


async def _start_when_claimed(
    connection: Requester, session: LoginSession, file_name: str | None
) -> None:
    camera = connection.camera
    try:
        await camera.wait_for(
            lambda: _find_claim(session, file_name) is not None, camera.config.claim_grace
        )
    except TimeoutError:
        _LOGGER.info("%r: DownloadStart of %r without a claim", connection, file_name)
        if camera.profile.json_before_data:
            await connection.reply(
                MessageId.PLAYBACK_REPLY, {"Name": "OPPlayBack", "Ret": Ret.ILLEGAL_REQUEST}
            )
        return
    finally:
        if session.pending_start is asyncio.current_task():
            session.pending_start = None
            camera.notify()
    claim = _find_claim(session, file_name)
    if claim is not None:
        await _start(connection, session, claim)


async def _start(connection: Requester, session: LoginSession, claim: DownloadClaim) -> None:
    camera = connection.camera
    session.claims.remove(claim)
    session.cancel_transfer()
    if camera.profile.json_before_data:
        await connection.reply(MessageId.PLAYBACK_REPLY, {"Name": "OPPlayBack", "Ret": Ret.OK})
    session.transfer = Transfer(camera, claim)
