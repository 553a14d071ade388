"""The one connection a client opens beside its alarm session, taken in turns.

Recorders allow few connections (`TCPMaxConn`, 10 on measured units) and, once they are used
up, lock the vendor's own app out. So a client holds at most two at any moment: the alarm
session, and this one. Live stills take turns on a login kept here, logged out once idle; a
two-socket download's data socket (which never logs in) takes the same turn, so a still
waits for a download and a download for a still.

Searches and every other request stay on the alarm session: the device answers them in
order there and pushes alarms meanwhile, and no third connection is ever needed for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from typing import Final

from .connection import DvripConnection
from .errors import DvripBusyError, DvripCommandError

# A kept login is logged out after this many seconds without use (the client also keeps it
# no longer than the device's AliveInterval: it gets no keepalives).
DEFAULT_IDLE_LOGOUT: Final = 30.0

type LogIn = Callable[[], Awaitable[DvripConnection]]
type LogOut = Callable[[DvripConnection], Awaitable[None]]


class ExtraConnection:
    """The second connection to a device: one user at a time, the login kept while in use.

    `login()` lends the kept login (logging in first when there is none); `turn()` lends
    the turn alone, for a connection of the caller's own, and logs the kept login out first
    so that the caller's socket is still the second one.
    """

    def __init__(self, log_in: LogIn, log_out: LogOut, idle_logout: Callable[[], float]) -> None:
        self._log_in = log_in
        self._log_out = log_out
        self._idle_logout = idle_logout
        self._turn = asyncio.Lock()
        self._kept: DvripConnection | None = None
        self._idle_task: asyncio.Task[None] | None = None

    @property
    def logged_in(self) -> bool:
        """Whether a login is kept now (in use or idle)."""
        return self._kept is not None and not self._kept.closed

    @contextlib.asynccontextmanager
    async def login(self, wait: float | None = None) -> AsyncIterator[DvripConnection]:
        """The turn, with the kept login; `DvripBusyError` when not had within `wait` s.

        Whatever goes wrong on it but a refusal (a whole answer) logs it out: a reply may
        still be on its way, and must never be taken for the next user's.
        """
        async with self._take(wait):
            if self._kept is None or self._kept.closed:
                closed, self._kept = self._kept, None
                if closed is not None:
                    # Its socket may still be open: gone first, so that a device never
                    # sees three connections at once.
                    await closed.aclose()
                self._kept = await self._log_in()
            connection = self._kept
            try:
                yield connection
            except DvripCommandError:
                raise
            except BaseException:
                self._kept = None
                await connection.aclose()
                raise

    @contextlib.asynccontextmanager
    async def turn(self, wait: float | None = None) -> AsyncIterator[None]:
        """The turn for a connection of the caller's own (a download's data socket)."""
        async with self._take(wait):
            await self._drop_kept()
            yield

    async def close(self) -> None:
        """Log the kept login out now, in use or not (its user's request fails)."""
        task, self._idle_task = self._idle_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
        await self._drop_kept()

    @contextlib.asynccontextmanager
    async def _take(self, wait: float | None) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(wait):
                await self._turn.acquire()
        except TimeoutError:
            raise DvripBusyError(
                f"the device's second connection stayed busy for {wait} s"
            ) from None
        try:
            if self._idle_task is not None:
                # Idle no more (it can only be sleeping, or waiting for this turn).
                self._idle_task.cancel()
                self._idle_task = None
            yield
        finally:
            if self.logged_in:
                self._idle_task = asyncio.create_task(
                    self._logout_when_idle(), name="dvrip idle logout"
                )
            self._turn.release()

    async def _logout_when_idle(self) -> None:
        await asyncio.sleep(self._idle_logout())
        async with self._turn:
            self._idle_task = None
            await self._drop_kept()

    async def _drop_kept(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            await self._log_out(kept)
