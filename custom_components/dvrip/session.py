"""The camera session: the client's settings, the reconnect policy, who answers at the address.

Only the reconnect loop here logs in again (the client is made with
`relogin_on_request=False`): a request made while the link is down fails, so a locked account
is tried again only at this loop's slow pace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import random
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .client import (
    DeviceInfo,
    DvripAuthError,
    DvripClient,
    DvripError,
    DvripTimeoutError,
    DvripUnsupportedError,
    LoginRefusal,
)
from .const import DOMAIN, LOGGER
from .models import ConnectionStatistics
from .repairs import Issue, async_update_issue, async_update_locked_issue

# Seconds to wait for a reply. Tests shorten it so that a silent simulator is noticed fast.
REQUEST_TIMEOUT: float = 10.0
# A busy recorder's file search takes up to 30 s; it does not drop the session before this.
SEARCH_TIMEOUT: float = 45.0
# Some firmware never answers AlarmSet: the session goes on after this long without it.
GUARD_TIMEOUT: float = 3.0
# None: keepalives follow the AliveInterval the camera sends at login (about 20 s).
KEEPALIVE_INTERVAL: float | None = None
# Reconnect delays: 1 s, doubling after each failure, capped at 5 minutes, with jitter.
BACKOFF_INITIAL: float = 1.0
BACKOFF_MAX: float = 300.0
_BACKOFF_JITTER = 0.2
# A locked account (Ret 205) is tried again this rarely: some firmware extends the lock at
# every attempt, and it lasts half an hour on many.
LOCKED_RETRY_DELAY: float = 300.0
# Another camera answering at the address (a DHCP lease moved) is looked at again this rarely.
WRONG_DEVICE_RETRY_DELAY: float = 300.0


def create_client(data: Mapping[str, Any], ret_205: LoginRefusal | None = None) -> DvripClient:
    """A client for the camera a config entry (or a config flow) describes.

    `ret_205`: what the device means by Ret 205, when an earlier client asked it.
    """
    return DvripClient(
        data[CONF_HOST],
        data[CONF_PORT],
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        timeout=REQUEST_TIMEOUT,
        keepalive_interval=KEEPALIVE_INTERVAL,
        search_timeout=SEARCH_TIMEOUT,
        guard_timeout=GUARD_TIMEOUT,
        relogin_on_request=False,
        ret_205=ret_205,
    )


def error_key(err: DvripError) -> str:
    """The translation key of a client error, shared by the config flow and setup."""
    if isinstance(err, DvripAuthError):
        if err.refusal is LoginRefusal.SESSION_REFUSED:
            return "login_refused"
        return "account_locked" if err.locked else "invalid_auth"
    if isinstance(err, DvripUnsupportedError):
        return "unsupported_firmware"
    if isinstance(err, DvripTimeoutError):
        return "timeout"
    return "cannot_connect"


def setup_error(err: DvripError, host: str) -> HomeAssistantError:
    """The Home Assistant error that setup raises for a client error.

    A locked account unlocks by itself, so it is retried rather than sent to reauth.
    """
    key = error_key(err)
    kind: type[HomeAssistantError] = ConfigEntryNotReady
    if key == "invalid_auth":
        kind = ConfigEntryAuthFailed
    elif key == "unsupported_firmware":
        kind = ConfigEntryError
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"host": host, "error": str(err)},
    )


@dataclass
class SetupPacing:
    """What setup learned of an entry's logins, kept across Home Assistant's setup retries.

    Home Assistant retries a failed setup every 80 s at most, whatever failed: a locked
    account is tried only every `LOCKED_RETRY_DELAY` s (as the session does), and the device
    is asked what Ret 205 means once.
    """

    ret_205: LoginRefusal | None = None
    # Until when a setup waits for a lock found with these entry data (new credentials
    # are tried at once).
    locked_until: datetime | None = None
    locked_data: Mapping[str, Any] | None = None
    locked_error: str = ""

    def check_lock(self, data: Mapping[str, Any], host: str) -> None:
        """Raise ConfigEntryNotReady while a lock found at an earlier setup is waited out."""
        if self.locked_until is None or data != self.locked_data:
            return
        if dt_util.utcnow() < self.locked_until:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="account_locked",
                translation_placeholders={"host": host, "error": self.locked_error},
            )

    def learn(self, client: DvripClient, data: Mapping[str, Any], err: DvripError | None) -> None:
        """Remember what a setup's login found out."""
        self.ret_205 = client.ret_205 or self.ret_205
        if isinstance(err, DvripAuthError) and err.locked:
            self.locked_until = dt_util.utcnow() + timedelta(seconds=LOCKED_RETRY_DELAY)
            self.locked_data = dict(data)
            self.locked_error = str(err)
        else:
            self.locked_until = self.locked_data = None


_SETUP_PACING: HassKey[dict[str, SetupPacing]] = HassKey(f"{DOMAIN}_setup_pacing")


@callback
def setup_pacing(hass: HomeAssistant, entry_id: str) -> SetupPacing:
    """The setup pacing of an entry (made at its first setup)."""
    return hass.data.setdefault(_SETUP_PACING, {}).setdefault(entry_id, SetupPacing())


@callback
def forget_setup_pacing(hass: HomeAssistant, entry_id: str) -> None:
    hass.data.get(_SETUP_PACING, {}).pop(entry_id, None)


def backoff_delay(attempt: int) -> float:
    """Seconds before reconnect attempt `attempt` (0 for the first)."""
    base = min(BACKOFF_MAX, BACKOFF_INITIAL * 2.0 ** min(attempt, 20))
    # Jitter spreads the retries of several cameras after a shared outage (a router reboot);
    # it is not security sensitive.
    return base * random.uniform(1 - _BACKOFF_JITTER, 1)  # noqa: S311


class CameraSession:
    """Keeps one camera logged in; `on_lost` when the link drops, `on_back` when it is back."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: DvripClient,
        device: DeviceInfo,
        stats: ConnectionStatistics,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.device = device
        self.stats = stats
        self.available = False
        self.closing = False
        self.locked = False
        # Whether the session is known to be this camera's: setup checked it, each
        # reconnect checks it again before a push counts.
        self.identified = True
        self.wrong_device = False
        # When the alarm subscription was last confirmed (UTC).
        self.subscribed: datetime | None = None
        self.on_lost: Callable[[str], None] = lambda _reason: None
        self.on_back: Callable[[], None] = lambda: None
        # Called when a reconnect finds another camera at the address.
        self.on_wrong_device: Callable[[], None] = lambda: None
        self._reconnect_task: asyncio.Task[None] | None = None
        self._unsubscribe = client.add_disconnect_listener(self._handle_disconnect)

    @callback
    def set_connected(self) -> None:
        self.subscribed = self.stats.connected_since = dt_util.utcnow()
        self.stats.connects += 1
        self.available = True

    async def async_shutdown(self) -> None:
        """Stop reconnecting and log out."""
        self.closing = True
        self._unsubscribe()
        if (task := self._reconnect_task) is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
        await self.client.close()

    @callback
    def _handle_disconnect(self, error: DvripError | None) -> None:
        if self.closing:
            return
        self.stats.disconnects += 1
        self.stats.last_disconnect = dt_util.utcnow()
        reason = self.stats.last_error = str(error) if error else "connection closed"
        self.identified = False
        if self.available:
            LOGGER.info("%s is unavailable: %s", self.entry.title, reason)
            self.available = False
            self.on_lost(reason)
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = self.entry.async_create_background_task(
                self.hass, self._async_reconnect(), f"{DOMAIN} reconnect {self.entry.title}"
            )

    async def _async_reconnect(self) -> None:
        """Log in again until it works; a refused password starts reauth and stops trying.

        A locked account is tried only every `LOCKED_RETRY_DELAY` s: hammering can keep it locked.
        """
        attempt = 0
        while True:
            if self.closing:
                # Shutting down: closing the client can swallow the cancellation meant for us.
                return
            delay = backoff_delay(attempt)
            if self.locked:
                delay = max(delay, LOCKED_RETRY_DELAY)
            if self.wrong_device:
                delay = max(delay, WRONG_DEVICE_RETRY_DELAY)
            await asyncio.sleep(delay)
            attempt += 1
            try:
                # The client renews the alarm subscription as part of logging in again.
                await self.client.connect()
                if not await self._async_same_device():
                    continue
                if not self.client.alarms_wanted:
                    # Logged out of another camera meanwhile: that dropped the subscription.
                    await self.client.subscribe_alarms()
            except DvripAuthError as err:
                self.stats.failed_attempts += 1
                self.stats.last_error = str(err)
                if err.locked:
                    LOGGER.debug("%s: %s; retrying later", self.entry.title, err)
                    self._set_locked(True)
                    continue
                LOGGER.warning(
                    "%s refused the login; enter it again to reconnect", self.entry.title
                )
                self._set_locked(False)
                self.entry.async_start_reauth(self.hass)
                return
            except DvripError as err:
                self.stats.failed_attempts += 1
                self.stats.last_error = str(err)
                LOGGER.debug("Reconnect to %s failed: %s", self.entry.title, err)
                continue
            break
        self._set_locked(False)
        self.stats.reconnects += 1
        self.set_connected()
        LOGGER.info("%s is available again", self.entry.title)
        self.on_back()

    async def _async_same_device(self) -> bool:
        """Whether this entry's camera answered (by serial); another is logged out of."""
        serial = (await self.client.get_device_info()).serial
        expected = self.device.serial
        same = not serial or not expected or serial == expected
        if same is self.wrong_device:
            self.wrong_device = not same
            if not same:
                LOGGER.warning(
                    "%s: another camera (serial number %s) answers at its address",
                    self.entry.title,
                    serial,
                )
            async_update_issue(
                self.hass,
                self.entry,
                Issue.WRONG_DEVICE,
                not same,
                host=self.entry.data[CONF_HOST],
            )
        self.identified = same
        if not same:
            self.on_wrong_device()
            self.stats.failed_attempts += 1
            self.stats.last_error = f"another camera answers (serial number {serial})"
            await self.client.close()
        return same

    @callback
    def _set_locked(self, locked: bool) -> None:
        if locked != self.locked:
            self.locked = locked
            async_update_locked_issue(self.hass, self.entry, locked=locked)
