"""Device profiles: the firmware variants the simulated camera can imitate.

Real Xiongmai devices disagree on many protocol details (see dvrip-protocol.md). A profile is a
frozen bundle of those choices, selected by name; any single field can still be overridden
through ``SimulatorConfig.overrides``.

Every profile also has a device name (``General.General``'s MachineName), channel titles
(``ChannelTitle``) and the alarm abilities ``SystemFunction`` reports; ``device_name=""``,
``channel_titles=None`` and ``alarm_functions=None`` (as overrides) play firmware with an empty
name, without channel titles and without ``SystemFunction``.

Profiles:

``ipc`` (default)
    A single-channel camera. Downloads over two sockets (the one-socket way works as well), a
    JSON reply (1425 to the claim, 1421 to DownloadStart) before the data, a zero-length 1426
    packet as end marker. OPSNAP answers with a JPEG. ``Type=jpg`` history entries cycle
    through every picture kind (JPEG, JPEG in a 0xFE frame, empty placeholder, short stream).
``nvr``
    A two-channel recorder without a speaker. One socket only: a claim from a socket that
    has not logged in gets no answer at all, nor does the DownloadStart that follows it on
    the logged-in socket.
    JSON replies larger than 256 bytes are split into fragments. No JSON reply precedes
    download data, and the last data packet carries end flag 1 (no zero-length packet).
    OPSNAP is refused with JSON Ret 102. Pictures are short video streams.
``h265``
    Like ``ipc`` but records H.265 clips (files still named ``.h264``, queried as ``h264``).
``nopush``
    Like ``ipc`` but AlarmSet is accepted and nothing is ever pushed; history is still
    recorded, so polling history is the only way to learn of alarms.
``legacy``
    Older firmware: JSON ends in ``\\n`` only, header version byte 0, Ret 109 when a file query
    finds nothing, and the Event filter only understands ``*`` (any other value finds nothing).
    End of download is marked both ways (end flag on the last packet and a zero-length packet).
``nbd8008r``
    The recorder measured in Moxnatiy/hass-xmeye: the ``nvr`` profile's protocol with one
    camera behind 32 channels, slow searches and filler blocks in its recordings (quirks
    ``unused-channels``, ``slow-search``, ``filler-blocks``).
``icsee``
    Newer iCSee camera firmware: never answers AlarmSet and names motion ``MotionDetect``
    (quirks ``guard-silent``, ``motiondetect``). It has a siren and a white light.
``ptz``
    Like ``ipc`` with a PTZ head (pan, tilt, zoom, presets, tours; see ptz.py) that
    ``SystemFunction.OtherFunction`` reports (``SupportPTZDirectionControl``,
    ``SupportSetPTZPresetAttribute``, ``SupportPTZTour``).
``encrypted``
    Firmware that insists on encrypted login. Its answer to every MD5 login is the signal a
    client must report as unsupported firmware::

        1001 {"Ret": 102, "EncryptType": "RSA", "DataUseAES": true, "SessionID": "0x00000000"}

    after which the camera closes the socket. Nothing else is served to that client.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from simulator.media import PictureKind
from simulator.ptz import PTZ_FUNCTIONS
from simulator.quirks import Quirk


class EndMarker(StrEnum):
    """How the end of download data is signalled."""

    ZERO_LENGTH = "zero_length"  # a 1426 packet with no payload after the data
    END_FLAG = "end_flag"  # header byte 13 = 1 on the last data packet
    BOTH = "both"
    # Data as paced-playback packets (1422), the end flag on the last.
    PLAYBACK_FLAG = "playback_flag"
    # An EOF notice after the data ({"Name":"OPPlayBack","OPPlayBack":{"Action":"EOF"}} on
    # 1423), then the data socket closes.
    EOF_NOTICE = "eof_notice"
    # Nothing but the data socket closing in order after the data.
    CLOSE = "close"
    # Nothing at all: the file's FileLength is all a client goes by.
    NONE = "none"


# SystemFunction's AlarmFunction names (simeonovp/xmeye-js-lib Messages.js, ABILITY_GET_RSP;
# the vendor SDK's AlarmFunction class), spelt as firmware spells them ("HumanDection").
KNOWN_ALARM_FUNCTIONS = (
    "433Alarm",
    "AlarmConfig",
    "BlindDetect",
    "BlurCheck",
    "Consumer433Alarm",
    "ConsumerRemote",
    "HumanDection",
    "IPCAlarm",
    "LossDetect",
    "ManuIntellAlertAlarm",
    "MotionDetect",
    "NetAbort",
    "NetAbortExtend",
    "NetAlarm",
    "NetIpConflict",
    "NewVideoAnalyze",
    "OneKeyManulAlarm",
    "PIRAlarm",
    "SensorAlarmCenter",
    "SerialAlarm",
    "StorageFailure",
    "StorageLowSpace",
    "StorageNotExist",
    "VideoAnalyze",
)
# A plain camera: motion, tamper, storage and network alarms, no person detection.
CAMERA_ALARM_FUNCTIONS = frozenset(
    {
        "AlarmConfig",
        "BlindDetect",
        "MotionDetect",
        "NetAbort",
        "NetIpConflict",
        "StorageFailure",
        "StorageLowSpace",
        "StorageNotExist",
    }
)
# A recorder adds video loss, its cameras' alarms and network alarm inputs.
RECORDER_ALARM_FUNCTIONS = CAMERA_ALARM_FUNCTIONS | {"LossDetect", "IPCAlarm", "NetAlarm"}
# A camera that detects people.
HUMAN_ALARM_FUNCTIONS = CAMERA_ALARM_FUNCTIONS | {"HumanDection"}
# A siren ("manual alarm"), as dbuezas/icsee-ptz and the vendor SDK's AlarmFunction name it.
SIREN_ALARM_FUNCTIONS = frozenset({"ManuIntellAlertAlarm", "OneKeyManulAlarm"})

ALL_PICTURE_KINDS = (
    PictureKind.JPEG,
    PictureKind.JPEG_IN_FRAME,
    PictureKind.PLACEHOLDER,
    PictureKind.STREAM,
)


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything that differs between the simulated firmware variants."""

    name: str
    device_type: str = "IPC"
    model: str = "XM530_50H20_S38"
    channels: int = 1
    codec: str = "h264"
    reply_version: int = 1
    json_terminator: bytes = b"\n\0"
    # Fragment JSON replies longer than this many bytes; None sends one packet.
    fragment_size: int | None = None
    encrypted_login: bool = False
    push_alarms: bool = True
    two_socket_download: bool = True
    json_before_data: bool = True
    end_marker: EndMarker = EndMarker.ZERO_LENGTH
    chunk_size: int = 32 * 1024
    snapshot: bool = True
    nothing_found_ret: int = 119
    event_filter_any_only: bool = False
    # Kinds given to Type=jpg entries in turn; one kind means every picture is of that kind.
    picture_kinds: tuple[PictureKind, ...] = ALL_PICTURE_KINDS
    clip_width: int = 320
    clip_height: int = 240
    clip_fps: int = 10
    clip_frames: int = 20
    # 4K recorders put 127-byte non-video blocks into their streams.
    clip_service_blocks: bool = False
    # Single firmware behaviours this model shows (see quirks.py).
    quirks: frozenset[Quirk] = frozenset()
    # General.General's MachineName ("" as on a camera whose name was cleared).
    device_name: str = "Porch camera"
    # ChannelTitle, one per channel with a camera; None: 1048 and ChannelTitle refused.
    channel_titles: tuple[str, ...] | None = ("Porch",)
    # SystemFunction's AlarmFunction entries reported true (every other known one is
    # reported false); None: SystemFunction refused.
    alarm_functions: frozenset[str] | None = CAMERA_ALARM_FUNCTIONS
    # A PTZ head on every channel (see ptz.py); without one, commands are answered and
    # nothing moves.
    ptz: bool = False
    # SystemFunction's OtherFunction entries reported true besides SupportNVR (abilities
    # and hardware are apart: firmware reports wrongly).
    other_functions: frozenset[str] = frozenset()
    # A white light (Camera.WhiteLight; OtherFunction SupportCameraWhiteLight), as iCSee
    # floodlight cameras have; see lighting.py. A siren comes with SIREN_ALARM_FUNCTIONS.
    white_light: bool = False

    @property
    def siren(self) -> bool:
        """OPRemoteCtrl's ManuIntelAlarm: where an AlarmFunction names a siren."""
        return bool(self.alarm_functions and self.alarm_functions & SIREN_ALARM_FUNCTIONS)

    # A speaker for OPTalk (see talk.py), reported as SystemFunction.PreviewFunction.Talk.
    speaker: bool = True


_NVR = Profile(
    name="nvr",
    device_type="NVR",
    model="NBD80X16S-KL",
    channels=2,
    fragment_size=256,
    two_socket_download=False,
    json_before_data=False,
    end_marker=EndMarker.END_FLAG,
    snapshot=False,
    picture_kinds=(PictureKind.STREAM,),
    device_name="Home recorder",
    channel_titles=("Front door", "Garden"),
    alarm_functions=RECORDER_ALARM_FUNCTIONS,
    speaker=False,
)

PROFILES: dict[str, Profile] = {
    "ipc": Profile(name="ipc"),
    "nvr": _NVR,
    "h265": Profile(
        name="h265",
        model="XM650_80X50_8M",
        codec="h265",
        device_name="Garage camera",
        channel_titles=("Garage",),
    ),
    "nopush": Profile(name="nopush", push_alarms=False),
    "legacy": Profile(
        name="legacy",
        model="HI3518E_50H10L_S39",
        reply_version=0,
        json_terminator=b"\n",
        nothing_found_ret=109,
        event_filter_any_only=True,
        end_marker=EndMarker.BOTH,
        picture_kinds=(PictureKind.JPEG,),
    ),
    "ptz": Profile(
        name="ptz",
        model="XM530_R80X20-PQ",
        device_name="Drive camera",
        channel_titles=("Drive",),
        ptz=True,
        other_functions=PTZ_FUNCTIONS,
    ),
    "encrypted": Profile(name="encrypted", model="XM530_R80X30-PQ", encrypted_login=True),
    # The recorder Moxnatiy/hass-xmeye measured speaks as the nvr profile does.
    "nbd8008r": replace(
        _NVR,
        name="nbd8008r",
        model="NBD8008R-U",
        channels=1,
        device_name="NBD8008R",
        channel_titles=("Driveway",),
        quirks=frozenset({Quirk.UNUSED_CHANNELS, Quirk.SLOW_SEARCH, Quirk.FILLER_BLOCKS}),
    ),
    "icsee": Profile(
        name="icsee",
        model="XM530_80X50_8M",
        quirks=frozenset({Quirk.GUARD_SILENT, Quirk.MOTIONDETECT}),
        device_name="Back yard",
        channel_titles=("Back yard",),
        alarm_functions=HUMAN_ALARM_FUNCTIONS | SIREN_ALARM_FUNCTIONS,
        white_light=True,
    ),
}

PROFILE_FIELDS = frozenset(f.name for f in fields(Profile))


def get_profile(name: str, **overrides: Any) -> Profile:
    """A profile by name, with any fields replaced; ValueError for unknown names or fields."""
    try:
        base = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None
    unknown = set(overrides) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    return replace(base, **overrides)
