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
from .detection import detection_problems
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
from .lighting import (
    DayNightMode,
    WhiteLight,
    WhiteLightMode,
    get_day_night_modes,
    get_white_light,
    set_day_night_mode,
    set_siren,
    set_white_light_mode,
)
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

__all__ = [
    "DEFAULT_ALARM_CENTRE_PORT",
    "DEFAULT_PORT",
    "DISCOVERY_PORT",
    "Abilities",
    "Alarm",
    "AlarmCentreMessage",
    "AlarmCentreServer",
    "AlarmStatus",
    "AlarmSubscription",
    "ChannelStatus",
    "DayNightMode",
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
    "LoginRefusal",
    "MessageId",
    "RecordEvent",
    "RecordFile",
    "RetCode",
    "SubscriptionState",
    "WhiteLight",
    "WhiteLightMode",
    "detection_problems",
    "discover",
    "format_camera_time",
    "get_day_night_modes",
    "get_white_light",
    "ip_address_of",
    "parse_alarm_centre_message",
    "parse_camera_time",
    "parse_discovery_reply",
    "set_day_night_mode",
    "set_siren",
    "set_white_light_mode",
    "sofia_hash",
]
