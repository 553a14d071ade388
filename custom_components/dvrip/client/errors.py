"""The errors the client raises; every one is a `DvripError`."""

from __future__ import annotations

from enum import StrEnum

from .const import RetCode


class DvripError(Exception):
    """Base of every error this client raises."""


class DvripConnectionError(DvripError):
    """The camera cannot be reached, or the connection broke."""


class DvripTimeoutError(DvripConnectionError):
    """The camera did not answer in time; the connection is no longer trusted."""


class DvripBusyError(DvripError):
    """The device's second connection stayed taken (by a download) longer than one may wait."""


class DvripProtocolError(DvripError):
    """The camera sent something this client cannot make sense of."""


class DvripUnsupportedError(DvripError):
    """The firmware needs something this client does not speak (encrypted login)."""


class DvripCommandError(DvripError):
    """The camera refused a request with a `Ret` code."""

    def __init__(self, command: str, ret: int) -> None:
        super().__init__(f"{command} refused by the camera (Ret {ret})")
        self.command = command
        self.ret = ret


class LoginRefusal(StrEnum):
    """Why a login was refused, as far as the device's answers tell."""

    INVALID_CREDENTIALS = "invalid_credentials"  # wrong password or unknown user
    LOCKED = "locked"  # too many failures: unlocks by itself
    BLACKLISTED = "blacklisted"  # Ret 206: this address is barred
    SESSION_REFUSED = "session_refused"  # Ret 207: blacklisted, or already logged in


class DvripAuthError(DvripError):
    """Login refused: wrong user or password, locked or blacklisted account."""

    def __init__(self, ret: int, refusal: LoginRefusal | None = None) -> None:
        self.ret = ret
        self.refusal = refusal or _default_refusal(ret)
        super().__init__(self._describe())

    @property
    def locked(self) -> bool:
        """True when the account is locked or barred for a while (retry later)."""
        return self.refusal in (
            LoginRefusal.LOCKED,
            LoginRefusal.BLACKLISTED,
            LoginRefusal.SESSION_REFUSED,
        )

    def _describe(self) -> str:
        ret = self.ret
        if self.refusal is LoginRefusal.LOCKED:
            return f"account locked after too many failed logins (Ret {ret})"
        if self.refusal is LoginRefusal.BLACKLISTED:
            return f"client address blacklisted by the camera (Ret {ret})"
        if self.refusal is LoginRefusal.SESSION_REFUSED:
            return (
                f"the camera refuses another login: already logged in, or this address is"
                f" blacklisted (Ret {ret})"
            )
        if ret == RetCode.ILLEGAL_USER:
            return f"unknown user name (Ret {ret})"
        return f"wrong user name or password (Ret {ret})"


def _default_refusal(ret: int) -> LoginRefusal:
    if ret == RetCode.USER_LOCKED:
        return LoginRefusal.LOCKED
    if ret == RetCode.USER_BLACKLISTED:
        return LoginRefusal.BLACKLISTED
    if ret == RetCode.ALREADY_LOGGED_IN:
        return LoginRefusal.SESSION_REFUSED
    return LoginRefusal.INVALID_CREDENTIALS
