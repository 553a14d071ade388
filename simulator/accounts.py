"""Logins: users and passwords, the lockout after failed logins, and the login sessions.

Wrong password gives Ret 106 and the socket is closed; ``max_login_failures`` failures
within ``lockout_window`` seconds lock the account: Ret 205 (then close) for
``lockout_seconds``, even with the right password.
"""

from __future__ import annotations

import asyncio
import logging

from simulator.link import Link, LoginSession
from simulator.quirks import Quirk
from simulator.state import DeviceState
from simulator.wire import Ret, sofia_hash

_LOGGER = logging.getLogger(__name__)


class Accounts(DeviceState):
    """The device's users and the login sessions open on it."""

    def check_login(self, user: str, password_hash: str, plain: bool) -> Ret:
        """Ret.OK or the firmware's refusal, counting failures for the lockout.

        Wrong password 106, unknown user 106 (204 with login-204), locked 205; with
        login-205 every failure is 205.
        """
        result = self._check_login(user, password_hash, plain)
        if result is not Ret.OK and self.has(Quirk.LOGIN_205):
            return Ret.USER_LOCKED
        if result is Ret.WRONG_PASSWORD and user not in self._passwords:
            return Ret.ILLEGAL_USER if self.has(Quirk.LOGIN_204) else Ret.WRONG_PASSWORD
        return result

    def _check_login(self, user: str, password_hash: str, plain: bool) -> Ret:
        loop_time = asyncio.get_running_loop().time()
        locked_until = self._locked_until.get(user)
        if locked_until is not None:
            if loop_time < locked_until:
                self._counters.login_failures += 1
                return Ret.USER_LOCKED
            del self._locked_until[user]
            self._failures.pop(user, None)
        password = self._passwords.get(user)
        if password is not None:
            expected = password if plain else sofia_hash(password)
            if password_hash == expected:
                self._failures.pop(user, None)
                self._counters.logins += 1
                return Ret.OK
        self._counters.login_failures += 1
        window_start = loop_time - self.config.lockout_window
        failures = [t for t in self._failures.get(user, []) if t >= window_start]
        failures.append(loop_time)
        self._failures[user] = failures
        if len(failures) >= self.config.max_login_failures:
            self._locked_until[user] = loop_time + self.config.lockout_seconds
            _LOGGER.info("User %r locked for %.0f s", user, self.config.lockout_seconds)
        return Ret.WRONG_PASSWORD

    def spare_session_id(self) -> int:
        """A fresh session id that no login gets (login-refused-session's refusals carry one)."""
        session_id = self._next_session_id
        self._next_session_id += 1
        return session_id

    def open_session(self, user: str, connection: Link) -> LoginSession:
        session = LoginSession(self._next_session_id, user, connection)
        self._next_session_id += 1
        self._sessions[session.session_id] = session
        self._notify()
        return session

    def close_session(self, session: LoginSession) -> None:
        if self._sessions.get(session.session_id) is session:
            del self._sessions[session.session_id]
        session.end()
        self._notify()

    def session_by_id(self, session_id: int) -> LoginSession | None:
        return self._sessions.get(session_id)

    def set_password(self, user: str, password: str) -> None:
        """Change (or add) a user's password; existing login sessions stay open."""
        self._passwords[user] = password

    def remove_user(self, user: str) -> None:
        """Delete a user; existing login sessions stay open."""
        self._passwords.pop(user, None)

    def feeds_downloads(self, connection: Link) -> bool:
        """Whether a claim or a running transfer sends its data to this socket."""
        for session in self._sessions.values():
            if any(claim.data_connection is connection for claim in session.claims):
                return True
            if (
                session.transfer is not None
                and session.transfer.claim.data_connection is connection
            ):
                return True
        return False
