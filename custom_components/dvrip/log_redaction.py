"""Mask the login that live-view addresses carry, wherever a log line shows one.

XMEye RTSP addresses carry it in their path; go2rtc's `dvrip://` addresses as `user:password@`.

The stream component masks `user:password@` and `?password=` in what it logs, but these
devices take the login in the path (`/user=admin&password=...&channel=1`), which it prints
as it is when a stream fails. The filter rewrites such records before any handler sees them:
on the loggers that show stream sources, and on the root logger's handlers for the loggers
named at run time (one per stream).
"""

from __future__ import annotations

import logging
import re
from typing import Final

# The path's login, `/user=...&password=...&channel=N`. A logged address may show the values
# decoded (an `&` or a quote of the password as it is), so each reaches to the next field of
# the address when there is one, else to the next `&`, quote or space.
_LOGIN: Final = (
    re.compile(r"(?<=[/?&])(user)=[^\n]*?(?=&password=)", re.IGNORECASE),
    re.compile(r"(?<=[/?&])(password)=[^\n]*?(?=&channel=\d)", re.IGNORECASE),
    re.compile(r"(?<=[/?&])(user|password)=[^&\s'\"]*", re.IGNORECASE),
)
# A `dvrip://user:password@host` login (quoted in the address; shown decoded, the password
# reaches to the last `@` before the host's end).
_URL_LOGIN: Final = re.compile(r"(?<=dvrip://)[^\s/@'\"]*:[^\s'\"]*@(?=[^\s@'\"]+)", re.IGNORECASE)
MASK: Final = "****"

# Where stream sources are logged: the stream component and its workers, the camera
# component, FFmpeg (snapshots, ffmpeg-based cameras) and libav through PyAV.
_LOGGERS: Final = (
    "homeassistant.components.stream",
    "homeassistant.components.stream.worker",
    "homeassistant.components.stream.core",
    "homeassistant.components.camera",
    "homeassistant.components.ffmpeg",
    "homeassistant.components.go2rtc",
    "go2rtc_client",
    "haffmpeg",
    "libav",
)


def mask_login(text: str) -> str:
    """`text` with the value of every path `user=` and `password=`, and every `dvrip://`
    login, replaced by a mask.
    """
    for pattern in _LOGIN:
        text = pattern.sub(lambda match: f"{match.group(1)}={MASK}", text)
    return _URL_LOGIN.sub(f"{MASK}:{MASK}@", text)


class LoginRedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback with the login masked; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A record whose arguments do not fit its format: shown as the handler shows it.
            return True
        masked = mask_login(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_login(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_login(record.stack_info)
        return True


_FILTER: Final = LoginRedactingFilter()


def install_login_redaction() -> None:
    """Attach the filter where stream sources are logged; calling it again adds nothing."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in _LOGGERS]
    targets.extend(logging.getLogger().handlers)
    for target in targets:
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
