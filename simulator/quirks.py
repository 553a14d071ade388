"""Quirks: single behaviours of real firmware that the simulated camera can take on.

Each quirk is one thing some device in the field does (the protocol notes, sections 11 and
12, name the sources). Quirks switch on alone or together, from a profile,
``SimulatorConfig.quirks``, ``python -m simulator --quirk NAME`` or the control API
(``POST /quirks``), so that every variant the client must handle can be played, and combined
the way real models combine them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Quirk(StrEnum):
    """The firmware variants the simulator can show."""

    GUARD_SILENT = "guard-silent"
    GUARD_EMPTY = "guard-empty"
    GUARD_REFUSED = "guard-refused"
    MOTIONDETECT = "motiondetect"
    LOGIN_204 = "login-204"
    LOGIN_205 = "login-205"
    LOGIN_207 = "login-207"
    BARE_SESSION_ID = "bare-session-id"
    SEARCH_RET_110 = "search-ret-110"
    SLOW_SEARCH = "slow-search"
    SEARCH_CAP_511 = "search-cap-511"
    ODD_TIMES = "odd-times"
    UNUSED_CHANNELS = "unused-channels"
    SNAP_PACKETS = "snap-packets"
    SNAP_FRAME = "snap-frame"
    SNAP_LARGE = "snap-large"
    FILLER_BLOCKS = "filler-blocks"
    CONFIG_SILENT = "config-silent"
    CONFIG_SILENT_LARGE = "config-silent-large"
    ABILITIES_PARTIAL = "abilities-partial"
    SNAP_STUCK = "snap-stuck"
    LOGIN_REFUSED_SESSION = "login-refused-session"
    FILELIST_KEY = "filelist-key"
    JSON_NUL_PADDING = "json-nul-padding"
    JPEG_NO_JFIF = "jpeg-no-jfif"
    CLOCK_EPOCH = "clock-epoch"
    CONNECTION_LIMIT = "connection-limit"


@dataclass(frozen=True, slots=True)
class QuirkInfo:
    """What a quirk does and who saw a device do it."""

    behaviour: str
    source: str


QUIRKS: dict[Quirk, QuirkInfo] = {
    Quirk.GUARD_SILENT: QuirkInfo(
        "AlarmSet (1500) is never answered; alarms are pushed all the same.",
        "python-dvr AlarmServer notes; icsee-ptz #66 (new firmware)",
    ),
    Quirk.GUARD_EMPTY: QuirkInfo(
        "AlarmSet is answered with an empty payload; alarms are pushed.",
        "icsee-ptz #66",
    ),
    Quirk.GUARD_REFUSED: QuirkInfo(
        "AlarmSet is answered with Ret 102; alarms are pushed.",
        "icsee-ptz #66",
    ),
    Quirk.MOTIONDETECT: QuirkInfo(
        "Alarms use the vendor's other names: MotionDetect, BlindDetect, LossDetect, "
        "AlarmLocal for VideoMotion, VideoBlind, VideoLoss, LocalAlarm.",
        "Xiongmai alarm-centre example; equake/hass-xmeye README; vendor web client",
    ),
    Quirk.LOGIN_204: QuirkInfo(
        "A user name the camera does not know is answered with Ret 204 (illegal user).",
        "Xiongmai interface document (return codes)",
    ),
    Quirk.LOGIN_205: QuirkInfo(
        "Every failed login, unknown user or wrong password, is answered with Ret 205.",
        "Xiongmai interface document; sofiactl, python-dvr return-code tables",
    ),
    Quirk.LOGIN_207: QuirkInfo(
        "A second login of a user who is logged in already is answered with Ret 207.",
        "Xiongmai interface document (207: already logged in / blacklisted)",
    ),
    Quirk.BARE_SESSION_ID: QuirkInfo(
        'JSON session ids are hex without "0x" ("00000010"); ids start at 0x10, so that '
        "reading them as decimal goes wrong visibly.",
        "Xiongmai interface document's examples; python-dvr parses them base 16",
    ),
    Quirk.SEARCH_RET_110: QuirkInfo(
        "File searches answer full pages with Ret 111 and the last page, entries "
        "included, with Ret 110.",
        "Xiongmai interface document 6.1; alexshpilkin/dvrip",
    ),
    Quirk.SLOW_SEARCH: QuirkInfo(
        "A file search is answered after `search_delay` seconds (12 by default), holding "
        "back the answers queued behind it.",
        "Moxnatiy/hass-xmeye (30 s search timeout on an NBD8008R-U)",
    ),
    Quirk.SEARCH_CAP_511: QuirkInfo(
        "A search ends after 511 results with a short page; asking again from the last "
        "BeginTime goes on.",
        "python-dvr list_local_files",
    ),
    Quirk.ODD_TIMES: QuirkInfo(
        'Pictures have EndTime "0000-00-00 00:00:00"; a recording ending at midnight '
        'ends at "24:00:00" of its day.',
        "Moxnatiy/hass-xmeye docs/protocol.md",
    ),
    Quirk.UNUSED_CHANNELS: QuirkInfo(
        "The login says 32 channels; only the profile's channels have a camera "
        "(NetWork.ChnStatus says NoConfig for the rest), and searches on the empty ones "
        "answer slowly with Ret 121.",
        "Moxnatiy/hass-xmeye (NBD8008R-U); python-dvr NVRVideoDownloader.py",
    ),
    Quirk.SNAP_PACKETS: QuirkInfo(
        "A still comes as a raw JPEG over several 1561 packets, the end flag on the last.",
        "python-dvr snapshot() / reassemble_bin_payload()",
    ),
    Quirk.SNAP_FRAME: QuirkInfo(
        "A still comes as a media-container picture frame (00 00 01 FE) over several packets.",
        "python-dvr reassemble_bin_payload(); Xiongmai frame-format document",
    ),
    Quirk.SNAP_LARGE: QuirkInfo(
        "Stills are larger than 1 MiB.",
        "python-dvr snapshot() (4K cameras)",
    ),
    Quirk.FILLER_BLOCKS: QuirkInfo(
        "Recordings carry a 127-byte filler P-frame every second, starting "
        "00 00 00 01 11 01 78 (an H.265 NAL of layer 32).",
        "Moxnatiy/hass-xmeye (measured on an NBD8008R-U)",
    ),
    Quirk.CONFIG_SILENT: QuirkInfo(
        "No ConfigGet (1042) is ever answered, whatever its name; login, AlarmSet, "
        "SystemInfo, SystemFunction, searches and stills work.",
        "dbuezas/icsee-ptz issue #66 (new iCSee firmware)",
    ),
    Quirk.CONFIG_SILENT_LARGE: QuirkInfo(
        "A ConfigGet of a container of every channel's settings (`Detect`, "
        "`Detect.MotionDetect`, `Detect.HumanDetection`) is never answered; one channel's "
        "(`Detect.MotionDetect.[0]`) and the small sections are; the connection stays usable.",
        "Moxnatiy/hass-xmeye src/xmeye/exceptions.py DeviceSilent, client.py; "
        "equake/hass-xmeye AGENTS.md",
    ),
    Quirk.ABILITIES_PARTIAL: QuirkInfo(
        "SystemFunction is answered without AlarmFunction; alarms are pushed all the same.",
        "dbuezas/icsee-ptz issue #66",
    ),
    Quirk.SNAP_STUCK: QuirkInfo(
        "The first still is answered only after `snap_stuck_delay` seconds (3 by default), "
        "with JSON Ret 108 and no picture; every later still, on any connection, gets Ret 108 "
        "until the camera reboots.",
        "madmaxoft/NetSurveillancePP-tests Tests/R06-RequestCurrentPicture.lua, R09",
    ),
    Quirk.LOGIN_REFUSED_SESSION: QuirkInfo(
        "A refused login's reply still carries a fresh SessionID, AliveInterval 0 and a junk "
        "ExtraChannel; the camera then says nothing more on that socket (it does not close it).",
        "madmaxoft/NetSurveillancePP-tests R00-ConnectAndLogin.lua, R03; "
        "sol-vin/xiongmai-investigational-journey besder-ipc blank.log",
    ),
    Quirk.FILELIST_KEY: QuirkInfo(
        'A search is answered as {"Name": "FileList", "FileList": [...]}.',
        "Xiongmai interface document 5.8 (in python-dvr doc/)",
    ),
    Quirk.JSON_NUL_PADDING: QuirkInfo(
        "JSON ends with \\n and several NUL bytes instead of \\n\\0.",
        "Moxnatiy/hass-xmeye src/xmeye/protocol.py",
    ),
    Quirk.JPEG_NO_JFIF: QuirkInfo(
        "A still starts FF D8 FF DB: no JFIF segment before the quantisation tables.",
        "python-dvr commit 7f4af29",
    ),
    Quirk.CLOCK_EPOCH: QuirkInfo(
        "No clock battery: after a reboot the clock starts again at `clock_epoch` "
        "(2000-01-01 00:00:00 unless set) and runs on from there until it is set.",
        "sol-vin/xiongmai-investigational-journey logs/besder-ipc (2000-12-07..16 over five "
        "months until the date was set)",
    ),
    Quirk.CONNECTION_LIMIT: QuirkInfo(
        "At most `max_connections` connections (10 unless set, as `TCPMaxConn`) are open at "
        "once; one more is reset before a byte is read. How real firmware turns it away is not "
        "recorded; a reset is the plainest refusal.",
        "Moxnatiy/hass-xmeye docs/protocol.md (TCPMaxConn 10 on an NBD8008R-U; the vendor's "
        "app is locked out once they are used up)",
    ),
}

# Quirks that shape the camera when it starts (its channel count, its recordings).
START_ONLY_QUIRKS = frozenset({Quirk.UNUSED_CHANNELS, Quirk.FILLER_BLOCKS})
# What the unused-channels quirk makes the login announce.
UNUSED_CHANNELS_TOTAL = 32
# json-nul-padding: what ends each JSON message.
NUL_PADDED_TERMINATOR = b"\n" + b"\0" * 7
# config-silent-large: ConfigGet names that hold every channel's settings.
LARGE_CONFIG_NAMES = frozenset({"Detect", "Detect.MotionDetect", "Detect.HumanDetection"})
# clock-epoch: where a reboot brings the clock back to, unless `clock_epoch` says otherwise.
DEFAULT_CLOCK_EPOCH = datetime(2000, 1, 1)  # noqa: DTZ001 (the camera's clock has no zone)
# connection-limit: connections open at once, unless `max_connections` says otherwise.
DEFAULT_MAX_CONNECTIONS = 10
# login-refused-session: the ExtraChannel of a refused login's reply.
JUNK_EXTRA_CHANNEL = 3_203_334_144
# The vendor's other names for the events the simulator raises (the motiondetect quirk).
VENDOR_EVENT_NAMES = {
    "VideoMotion": "MotionDetect",
    "VideoBlind": "BlindDetect",
    "VideoLoss": "LossDetect",
    "LocalAlarm": "AlarmLocal",
}


def parse_quirks(names: Iterable[str]) -> frozenset[Quirk]:
    """Quirks by name; ValueError naming the unknown ones and the known."""
    quirks: set[Quirk] = set()
    for name in names:
        try:
            quirks.add(Quirk(name))
        except ValueError:
            known = ", ".join(quirk.value for quirk in Quirk)
            raise ValueError(f"unknown quirk {name!r}; known: {known}") from None
    return frozenset(quirks)
