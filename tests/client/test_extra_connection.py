"""The second connection is lent in turns, and never overlaps the one it replaces."""

from __future__ import annotations

from typing import Any

from custom_components.dvrip.client.extra import ExtraConnection


class _Login:
    """A login its user closed (a live keyframe's), whose socket is not gone yet."""

    def __init__(self, events: list[str], name: str) -> None:
        self.events = events
        self.name = name
        self.closed = False

    async def aclose(self, *_: Any) -> None:
        self.events.append(f"{self.name} gone")


async def test_a_closed_login_is_gone_before_the_next_logs_in() -> None:
    events: list[str] = []
    logins = iter(["first", "second"])

    async def log_in() -> Any:
        name = next(logins)
        events.append(f"{name} logs in")
        return _Login(events, name)

    async def log_out(connection: Any) -> None:
        events.append(f"{connection.name} logs out")

    extra = ExtraConnection(log_in, log_out, lambda: 30.0)
    async with extra.login() as connection:
        connection.closed = True  # its user closed it, as a live keyframe's user does
    async with extra.login() as connection:
        assert connection.name == "second"
    await extra.close()
    assert events == ["first logs in", "first gone", "second logs in", "second logs out"]
