"""Constants of the DVRIP integration: option names, defaults and the alarm kind table."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
import logging
from typing import Any, Final

from .client import DEFAULT_ALARM_CENTRE_PORT

DOMAIN: Final = "dvrip"
LOGGER: Final = logging.getLogger(__package__)

MANUFACTURER: Final = "Xiongmai"
DEFAULT_USERNAME: Final = "admin"

# Options, and their values until the user sets them.
CONF_OFF_DELAY: Final = "off_delay"
CONF_PICTURE_MODE: Final = "picture_mode"
CONF_HISTORY_HOURS: Final = "history_hours"
# Which stream the camera entity shows live (main, sub or none); `rtsp_stream`, the earlier
# on/off option for RTSP, is no longer read.
CONF_LIVE_STREAM: Final = "live_stream"
# Days an export folder of `dvrip.export_last_alarms` is kept.
CONF_EXPORT_RETENTION_DAYS: Final = "export_retention_days"
CONF_ALARM_CENTRE: Final = "alarm_centre"
# Megabytes the alarm clips of a camera may take (0: no clips).
CONF_CLIP_BUDGET_MB: Final = "clip_budget_mb"
# Set the camera's clock at each connect and daily (cameras without a clock battery come up
# in 2000 after a power cut).
CONF_KEEP_CLOCK: Final = "keep_clock"
CONF_ALARM_CENTRE_PORT: Final = "alarm_centre_port"
# XMEye devices serve RTSP on this port, with the login in the path rather than the URL's
# user part: rtsp://host:554/user=admin&password=...&channel=1&stream=0.sdp
RTSP_PORT: Final = 554
# The DVRIP port go2rtc's `dvrip://` source connects to when none is given.
DEFAULT_DVRIP_PORT: Final = 34567


class LiveStream(StrEnum):
    """The stream the camera entity shows live (OPMonitor's Main / Extra1, RTSP stream 0 / 1)."""

    MAIN = "main"
    SUB = "sub"
    OFF = "off"


class PictureMode(StrEnum):
    """Where an alarm's picture comes from (read by the alarm picture feature)."""

    AUTO = "auto"
    SNAPSHOT = "snapshot"
    RECORDING = "recording"
    OFF = "off"


class AlarmKind(StrEnum):
    """What an alarm is about; the event types of the alarm event entity."""

    MOTION = "motion"
    PERSON = "person"
    VEHICLE = "vehicle"
    FACE = "face"
    TAMPER = "tamper"
    VIDEO_LOSS = "video_loss"
    LINE_CROSSING = "line_crossing"
    FALL = "fall"
    ALARM_INPUT = "alarm_input"
    STORAGE = "storage"
    OTHER = "other"


# The one table from the camera's event name to an alarm kind. Firmware spells the same
# alarm in several ways (and misspells some: "StorrageLowSpace" is what devices send); the
# vendor's web client pairs VideoMotion|MotionDetect, VideoBlind|BlindDetect,
# VideoLoss|LossDetect and LocalIO|LocalAlarm|NetAlarm|ManualAlarm. Names are matched
# without regard to case; a name not listed reaches the event entity as "other".
ALARM_KIND_BY_EVENT: Final[dict[str, AlarmKind]] = {
    "VideoMotion": AlarmKind.MOTION,
    "MotionDetect": AlarmKind.MOTION,
    "HumanDetect": AlarmKind.PERSON,
    "HumanDetection": AlarmKind.PERSON,
    "appEventHumanDetectAlarm": AlarmKind.PERSON,
    "PersonDetect": AlarmKind.PERSON,
    "PersonDetection": AlarmKind.PERSON,
    "PedestrianDetect": AlarmKind.PERSON,
    "CarShapeDetect": AlarmKind.VEHICLE,
    "VehicleDetect": AlarmKind.VEHICLE,
    "VehicleDetection": AlarmKind.VEHICLE,
    "FaceDetect": AlarmKind.FACE,
    "FaceDetection": AlarmKind.FACE,
    "FaceDetectV2": AlarmKind.FACE,
    "VideoBlind": AlarmKind.TAMPER,
    "BlindDetect": AlarmKind.TAMPER,
    "HideAlarm": AlarmKind.TAMPER,
    "VideoLoss": AlarmKind.VIDEO_LOSS,
    "LossDetect": AlarmKind.VIDEO_LOSS,
    "VideoLost": AlarmKind.VIDEO_LOSS,
    "CrossLineDetection": AlarmKind.LINE_CROSSING,
    "PEAAlarm": AlarmKind.LINE_CROSSING,
    "FallDown": AlarmKind.FALL,
    "HumanFallDown": AlarmKind.FALL,
    "LocalIO": AlarmKind.ALARM_INPUT,
    "LocalAlarm": AlarmKind.ALARM_INPUT,
    "AlarmLocal": AlarmKind.ALARM_INPUT,
    "NetAlarm": AlarmKind.ALARM_INPUT,
    "ManualAlarm": AlarmKind.ALARM_INPUT,
    "IPCAlarm": AlarmKind.ALARM_INPUT,
    "StorageNotExist": AlarmKind.STORAGE,
    "StorrageLowSpace": AlarmKind.STORAGE,
    "StorageLowSpace": AlarmKind.STORAGE,
    "StorageFailure": AlarmKind.STORAGE,
}
# Names that vary after a fixed start ("StorageFailure", "StorageFailureRead", ...).
ALARM_KIND_BY_PREFIX: Final[tuple[tuple[str, AlarmKind], ...]] = (
    ("storagefailure", AlarmKind.STORAGE),
)
_KIND_BY_FOLDED_EVENT: Final = {name.casefold(): kind for name, kind in ALARM_KIND_BY_EVENT.items()}


def alarm_kind(event: str) -> AlarmKind:
    """The kind of a camera event name; unknown names are `other`, never dropped."""
    folded = event.strip().casefold()
    if (kind := _KIND_BY_FOLDED_EVENT.get(folded)) is not None:
        return kind
    for prefix, kind in ALARM_KIND_BY_PREFIX:
        if folded.startswith(prefix):
            return kind
    return AlarmKind.OTHER


# Kinds that get an on/off binary sensor per channel (storage and other are events only).
BINARY_SENSOR_KINDS: Final = tuple(
    kind for kind in AlarmKind if kind not in (AlarmKind.STORAGE, AlarmKind.OTHER)
)
# Kinds whose alarms the camera records (a motion clip, often a jpg entry): the ones that get
# an alarm picture. A covered lens or a lost video signal has nothing to show.
PICTURE_KINDS: Final = frozenset(BINARY_SENSOR_KINDS) - {AlarmKind.TAMPER, AlarmKind.VIDEO_LOSS}

# The alarm sensors enabled by default when the device reports no abilities.
DEFAULT_ENABLED_KINDS: Final = frozenset({AlarmKind.MOTION, AlarmKind.PERSON})

# The abilities (SystemFunction > AlarmFunction, true when the device has the detection) that
# enable a kind's sensor by default. The names are as devices report them, "HumanDection"
# misspelt: python-dvr's README (`get_system_capabilities`) lists MotionDetect, BlindDetect,
# LossDetect, HumanDection and HumanPedDetection. HumanDetection, the spelling of the
# detection's own config (Detect.HumanDetection), is taken too. Matched without regard to case.
ALARM_KIND_BY_ABILITY: Final[dict[str, AlarmKind]] = {
    "MotionDetect": AlarmKind.MOTION,
    "HumanDection": AlarmKind.PERSON,
    "HumanDetection": AlarmKind.PERSON,
    "HumanPedDetection": AlarmKind.PERSON,
    "BlindDetect": AlarmKind.TAMPER,
    "LossDetect": AlarmKind.VIDEO_LOSS,
}

DEFAULT_OPTIONS: Final[dict[str, Any]] = {
    CONF_OFF_DELAY: 30,
    CONF_PICTURE_MODE: str(PictureMode.AUTO),
    CONF_HISTORY_HOURS: 24,
    CONF_EXPORT_RETENTION_DAYS: 30,
    CONF_CLIP_BUDGET_MB: 0,
    CONF_LIVE_STREAM: str(LiveStream.MAIN),
    CONF_ALARM_CENTRE: False,
    CONF_ALARM_CENTRE_PORT: DEFAULT_ALARM_CENTRE_PORT,
    CONF_KEEP_CLOCK: False,
}


def option(options: Mapping[str, Any], key: str) -> Any:
    """An entry's option, or its default."""
    return options.get(key, DEFAULT_OPTIONS[key])
