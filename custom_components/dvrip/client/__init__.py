"""An asyncio client for Xiongmai DVRIP ("Sofia") cameras and recorders.

Knows nothing of Home Assistant; usable from any asyncio program.
"""

from .abilities import Abilities
from .alarm_centre import (
    DEFAULT_ALARM_CENTRE_PORT,
    AlarmCentreMessage,
    AlarmCentreServer,
    ip_address_of,
    parse_alarm_centre_message,
)
from .auth import sofia_hash
from .client import DvripClient
from .const import DEFAULT_PORT, MessageId, RetCode
from .detection import (
    Detection,
    detection_enabled,
    detection_problems,
    read_detection,
    section_name,
    write_detection,
)
from .discovery import DISCOVERY_PORT, DiscoveredDevice, discover, parse_discovery_reply
from .download import DownloadResult, DownloadSink, FileSink
from .errors import (
    DvripAuthError,
    DvripBusyError,
    DvripCommandError,
    DvripConnectionError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
    DvripUnsupportedError,
    LoginRefusal,
)
from .maintenance import MachineAction, reboot
from .media import MediaFrame, VideoCodec
from .models import (
    Alarm,
    AlarmStatus,
    AlarmSubscription,
    ChannelStatus,
    DeviceInfo,
    FileType,
    RecordEvent,
    RecordFile,
    SubscriptionState,
    format_camera_time,
    parse_camera_time,
)
from .monitor import LiveStreamType, first_keyframe
from .ptz import (
    MAX_PRESET,
    MAX_SPEED,
    MIN_PRESET,
    MIN_SPEED,
    MOVE_COMMANDS,
    PtzCommand,
    clear_preset,
    goto_preset,
    ptz_message,
    read_presets,
    set_preset,
    start_move,
    start_tour,
    stop_move,
    stop_tour,
)
from .storage import (
    StorageState,
    StorageStatus,
    parse_overwrite,
    parse_storage_info,
    read_storage,
)
from .talk import TalkResult, speak, talk_packets

__all__ = [
    "DEFAULT_ALARM_CENTRE_PORT",
    "DEFAULT_PORT",
    "DISCOVERY_PORT",
    "MAX_PRESET",
    "MAX_SPEED",
    "MIN_PRESET",
    "MIN_SPEED",
    "MOVE_COMMANDS",
    "Abilities",
    "Alarm",
    "AlarmCentreMessage",
    "AlarmCentreServer",
    "AlarmStatus",
    "AlarmSubscription",
    "ChannelStatus",
    "Detection",
    "DeviceInfo",
    "DiscoveredDevice",
    "DownloadResult",
    "DownloadSink",
    "DvripAuthError",
    "DvripBusyError",
    "DvripClient",
    "DvripCommandError",
    "DvripConnectionError",
    "DvripError",
    "DvripProtocolError",
    "DvripTimeoutError",
    "DvripUnsupportedError",
    "FileSink",
    "FileType",
    "LiveStreamType",
    "LoginRefusal",
    "MachineAction",
    "MediaFrame",
    "MessageId",
    "PtzCommand",
    "RecordEvent",
    "RecordFile",
    "RetCode",
    "StorageState",
    "StorageStatus",
    "SubscriptionState",
    "TalkResult",
    "VideoCodec",
    "clear_preset",
    "detection_enabled",
    "detection_problems",
    "discover",
    "first_keyframe",
    "format_camera_time",
    "goto_preset",
    "ip_address_of",
    "parse_alarm_centre_message",
    "parse_camera_time",
    "parse_discovery_reply",
    "parse_overwrite",
    "parse_storage_info",
    "ptz_message",
    "read_detection",
    "read_presets",
    "read_storage",
    "reboot",
    "section_name",
    "set_preset",
    "sofia_hash",
    "speak",
    "start_move",
    "start_tour",
    "stop_move",
    "stop_tour",
    "talk_packets",
    "write_detection",
]
