"""The errors the client raises; every one is a `DvripError`."""

from __future__ import annotations

from .const import RetCode


class DvripError(Exception):
    """Base of every error this client raises."""


class DvripConnectionError(DvripError):
    """The camera cannot be reached, or the connection broke."""


class DvripTimeoutError(DvripConnectionError):
    """The camera did not answer in time; the connection is no longer trusted."""


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


class DvripAuthError(DvripError):
    """Login refused: wrong user or password, locked or blacklisted account."""

    def __init__(self, ret: int) -> None:
        self.ret = ret
        super().__init__(self._describe(ret))

    @property
    def locked(self) -> bool:
        """True when the account is locked after too many failures (retry later)."""
        return self.ret in (RetCode.USER_LOCKED, RetCode.USER_BLACKLISTED)

    @staticmethod
    def _describe(ret: int) -> str:
        if ret == RetCode.USER_LOCKED:
            return "account locked after too many failed logins (Ret 205)"
        if ret == RetCode.USER_BLACKLISTED:
            return "client address blacklisted by the camera (Ret 206)"
        return f"wrong user name or password (Ret {ret})"
