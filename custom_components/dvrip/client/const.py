"""Message ids, return codes and limits of the DVRIP protocol."""

from __future__ import annotations

from enum import IntEnum
from typing import Final

DEFAULT_PORT: Final = 34567

HEADER_MAGIC: Final = 0xFF
HEADER_SIZE: Final = 20

# A length field is untrusted input: nothing larger is ever buffered.
MAX_JSON_PAYLOAD: Final = 1024 * 1024
MAX_MEDIA_PAYLOAD: Final = 16 * 1024 * 1024


class MessageId(IntEnum):
    """Message ids; a reply's id is its request's id + 1."""

    LOGIN_REQ = 1000
    LOGIN_RSP = 1001
    LOGOUT_REQ = 1002
    LOGOUT_RSP = 1003
    FORCED_LOGOUT = 1004
    KEEPALIVE_REQ = 1006
    KEEPALIVE_RSP = 1007
    SYSINFO_REQ = 1020
    SYSINFO_RSP = 1021
    CONFIG_SET = 1040
    CONFIG_SET_RSP = 1041
    CONFIG_GET = 1042
    CONFIG_GET_RSP = 1043
    CHANNEL_TITLE_GET = 1048
    CHANNEL_TITLE_GET_RSP = 1049
    ABILITY_GET = 1360
    ABILITY_GET_RSP = 1361
    PTZ_CONTROL = 1400  # OPPTZControl
    PTZ_CONTROL_RSP = 1401
    MONITOR = 1410  # OPMonitor start and stop (unanswered)
    MONITOR_DATA = 1412
    MONITOR_CLAIM = 1413
    MONITOR_CLAIM_RSP = 1414
    PLAYBACK_REQ = 1420
    PLAYBACK_RSP = 1421
    PLAYBACK_DATA = 1422
    PLAYBACK_EOF = 1423
    PLAYBACK_CLAIM = 1424
    PLAYBACK_CLAIM_RSP = 1425
    DOWNLOAD_DATA = 1426
    TALK = 1430  # OPTalk start and stop (unanswered)
    TALK_DATA = 1432
    TALK_CLAIM = 1434
    TALK_CLAIM_RSP = 1435
    FILESEARCH_REQ = 1440
    FILESEARCH_RSP = 1441
    TIMESET_REQ = 1450  # OPTimeSetting (shares its id with OPMachine)
    TIMESET_RSP = 1451
    MACHINE_REQ = 1450  # OPMachine (reboot)
    TIMEQUERY_REQ = 1452
    TIMEQUERY_RSP = 1453
    GUARD_REQ = 1500
    GUARD_RSP = 1501
    UNGUARD_REQ = 1502
    UNGUARD_RSP = 1503
    ALARM_INFO = 1504
    ALARM_CENTER = 1508
    SNAP_REQ = 1560
    SNAP_RSP = 1561
    REMOTE_CTRL = 4000  # OPRemoteCtrl: the siren (see lighting.py)
    REMOTE_CTRL_RSP = 4001


# Packets of these ids carry media, never JSON, even when they start with "{". A still
# (1561) is binary too: byte 12 of its header is the channel, not a fragment count, and a
# still can be larger than any JSON reply.
MEDIA_MESSAGE_IDS: Final = frozenset(
    {
        MessageId.MONITOR_DATA,
        MessageId.PLAYBACK_DATA,
        MessageId.PLAYBACK_EOF,
        MessageId.DOWNLOAD_DATA,
        MessageId.SNAP_RSP,
    }
)


class RetCode(IntEnum):
    """The `Ret` values that change what the client does."""

    OK = 100
    UNKNOWN_ERROR = 101
    UNSUPPORTED = 102
    ILLEGAL_REQUEST = 103
    NOT_LOGGED_IN = 105
    WRONG_CREDENTIALS = 106
    NO_PERMISSION = 107
    DEVICE_TIMEOUT = 108
    SEARCH_NOTHING_FOUND = 109
    SEARCH_COMPLETE = 110
    SEARCH_PARTIAL = 111
    NO_FILES = 119
    SEARCH_EMPTY_CHANNEL = 121
    NOT_LOGGED_IN_2 = 202
    WRONG_PASSWORD = 203
    ILLEGAL_USER = 204
    # "Locked" on some firmware, "user does not exist" on others (see DvripClient._login).
    USER_LOCKED = 205
    USER_BLACKLISTED = 206
    # "Blacklisted" in some documents, "already logged in" in others.
    ALREADY_LOGGED_IN = 207
    UPGRADE_SUCCESS = 515
    FEATURE_UNSUPPORTED = 605
    NO_SUCH_CONFIG = 607


SUCCESS_CODES: Final = frozenset({RetCode.OK, RetCode.UPGRADE_SUCCESS})
AUTH_FAILURE_CODES: Final = frozenset(
    {
        RetCode.WRONG_CREDENTIALS,
        RetCode.WRONG_PASSWORD,
        RetCode.ILLEGAL_USER,
        RetCode.USER_LOCKED,
        RetCode.USER_BLACKLISTED,
        RetCode.ALREADY_LOGGED_IN,
    }
)
# What devices answer an OPFileQuery with when nothing more matches. 110 ("search done, all
# files returned") may still carry the last entries; 121 is an empty recorder channel.
SEARCH_END_CODES: Final = frozenset(
    {
        RetCode.SEARCH_NOTHING_FOUND,
        RetCode.SEARCH_COMPLETE,
        RetCode.NO_FILES,
        RetCode.SEARCH_EMPTY_CHANNEL,
    }
)
# Some firmware ends a whole search after this many results, with a short last page.
SEARCH_RESULT_CAP: Final = 511
