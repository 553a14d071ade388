"""A browser looks at the demo: log in, raise an alarm, see its picture on the dashboard.

    scripts/e2e            (installs chromium and Playwright when missing, then runs this)

Starts the demo (`scripts/demo.py`) from scratch in `.demo/e2e` on ports of its own, so a
running demo is left alone, with no alarms of its own. Then, in headless Chromium (Debian's
`/usr/bin/chromium`, driven by Playwright; Playwright's own browser download is never used):

1. logs in through Home Assistant's login page as the demo user;
2. raises an alarm on each channel through the simulator's control API (a person on the
   second);
3. waits until each "last alarm picture" card shows a new picture, and checks that the
   picture is that alarm's (the image entity's `camera_time`), that the browser rendered it
   and that it is not blank (its pixels vary);
4. saves a screenshot of the dashboard to `docs/screenshot-dashboard.png`;
5. opens the integration's devices and waits for the recorder and a device per channel,
   named from the recorder's channel titles, then saves `docs/screenshot-devices.png`;
6. opens the first channel's device page, presses its "PTZ left" button there, checks that
   the simulated head turned left and was stopped without being asked, and saves
   `docs/screenshot-controls.png`.

Exits 0 when all of that held, 1 with the reason otherwise (and a screenshot of the page as
it was, in `.demo/e2e/failure.png`).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
from pathlib import Path
import shutil
import sys
import time
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from demo import PASSWORD, ROOT, USERNAME, Demo, DemoEntities, DemoError, DemoPorts
from PIL import Image, ImageStat
from playwright.async_api import (
    Browser,
    Error as PlaywrightError,
    Locator,
    Page,
    async_playwright,
)

CHROMIUM: Final = Path("/usr/bin/chromium")
# Without the networking flags Chromium keeps calling Google's servers, which a closed
# network refuses; the sandbox needs user namespaces that containers seldom allow.
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT: Final = ROOT / "docs" / "screenshot-dashboard.png"
DEVICES_SCREENSHOT: Final = ROOT / "docs" / "screenshot-devices.png"
CONTROLS_SCREENSHOT: Final = ROOT / "docs" / "screenshot-controls.png"
# A press moves the head for a second; its stop follows by itself.
PTZ_STOP_TIMEOUT: Final = 15.0
# The simulated recorder's own name (profile `nvr`); its channels are named from their titles.
RECORDER_NAME: Final = "Home recorder"
STATE: Final = ROOT / ".demo" / "e2e"
PORTS: Final = DemoPorts(http=8124, camera=34568, control=8766, discovery=34571)
VIEWPORT: Final = {"width": 1280, "height": 860}

# The integration looks for a picture 10 s after the alarm, then downloads and decodes it.
PICTURE_TIMEOUT: Final = 120.0
# A grey or black frame has a standard deviation near 0; the simulated scenes reach 30+.
MIN_STDDEV: Final = 8.0

LOGGER = logging.getLogger("e2e")


class CheckFailedError(Exception):
    """What the browser saw is not what it should have seen."""


async def log_in(page: Page, demo: Demo) -> None:
    """Through the login page, as a person would."""
    await page.goto(f"{demo.base_url}/")
    await page.wait_for_url("**/auth/authorize**", timeout=60_000)
    await page.locator("input[name=username]").fill(USERNAME)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/lovelace/**", timeout=60_000)
    LOGGER.info("Logged in; the dashboard is at %s", page.url)


def picture_card(page: Page, entity_id: str) -> Locator:
    """The <img> of the picture card showing an image entity (Playwright sees shadow DOMs)."""
    return page.locator(f"hui-picture-entity-card img[src*='/api/image_proxy/{entity_id}']")


async def shown_src(page: Page, entity_id: str) -> str | None:
    img = picture_card(page, entity_id)
    if await img.count() == 0:
        return None
    return await img.first.get_attribute("src")


async def wait_for_new_picture(
    page: Page, demo: Demo, channel: DemoEntities, old_src: str | None, alarm: dict[str, Any]
) -> str:
    """The card's new src, once the card shows the picture of `alarm` (rendered)."""
    deadline = time.monotonic() + PICTURE_TIMEOUT
    wanted_time = alarm["start_time"]
    while True:
        src = await shown_src(page, channel.picture)
        state = await demo.api("GET", f"/api/states/{channel.picture}")
        camera_time = state["attributes"].get("camera_time", "")
        if src and src != old_src and camera_time.replace("T", " ") == wanted_time:
            img = picture_card(page, channel.picture).first
            rendered = await img.evaluate("img => img.complete && img.naturalWidth > 0")
            if rendered:
                LOGGER.info("Channel %d card src: %s", channel.channel + 1, src)
                return src
        if time.monotonic() > deadline:
            raise CheckFailedError(
                f"channel {channel.channel + 1}: no new picture on the card after "
                f"{PICTURE_TIMEOUT:.0f} s (card src {src!r}, entity camera_time "
                f"{camera_time!r}, alarm at {wanted_time})"
            )
        await asyncio.sleep(1)


async def check_not_blank(page: Page, demo: Demo, src: str) -> tuple[int, int, float]:
    """Fetch what the card shows, as the browser does; its size and pixel spread."""
    response = await page.request.get(urljoin(page.url, src))
    if not response.ok:
        raise CheckFailedError(f"the picture at {src} answered HTTP {response.status}")
    with Image.open(io.BytesIO(await response.body())) as picture:
        picture.load()
        stddev = ImageStat.Stat(picture.convert("L")).stddev[0]
        size = picture.size
    if min(size) < 64:
        raise CheckFailedError(f"the picture is only {size[0]}x{size[1]} pixels")
    if stddev < MIN_STDDEV:
        raise CheckFailedError(f"the picture is blank (pixel standard deviation {stddev:.1f})")
    return size[0], size[1], stddev


async def wait_for_dashboard(page: Page, demo: Demo) -> None:
    """Every card drawn: both pictures, both snapshots, the logbook's entries."""
    for channel in demo.entities:
        snapshot = page.locator(
            f"hui-picture-entity-card img[src*='/api/camera_proxy/{channel.snapshot}']"
        )
        await snapshot.first.wait_for(timeout=30_000)
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=await snapshot.first.element_handle(),
            timeout=30_000,
        )
    await page.locator("hui-logbook-card ha-logbook-renderer .entry").first.wait_for(timeout=30_000)


async def show_devices(page: Page, demo: Demo) -> None:
    """The integration's devices: the recorder, and each channel under its own title."""
    await page.goto(f"{demo.base_url}/config/devices/dashboard?domain=dvrip")
    names = [RECORDER_NAME, *(channel.name for channel in demo.entities)]
    if not all(names):
        raise CheckFailedError(f"A channel's device has no name: {names}")
    for name in names:
        await page.get_by_text(name, exact=True).first.wait_for(timeout=30_000)
    await page.wait_for_timeout(500)  # let the table settle before the picture
    await page.screenshot(path=DEVICES_SCREENSHOT)
    shown = ", ".join(names)
    LOGGER.info("Devices %s shown; saved %s", shown, DEVICES_SCREENSHOT.relative_to(ROOT))


async def show_controls(page: Page, demo: Demo) -> None:
    """The first channel's device page with its controls; a press of "PTZ left" turns the
    simulated head left, and the move is stopped without anyone asking.
    """
    channel = demo.entities[0]
    await page.goto(f"{demo.base_url}/config/devices/dashboard?domain=dvrip")
    await page.get_by_text(channel.name, exact=True).first.click()
    await page.wait_for_url("**/config/devices/device/**", timeout=30_000)
    row = page.locator("hui-button-entity-row", has_text="PTZ left").first
    await row.wait_for(timeout=30_000)
    await page.get_by_text("PTZ preset", exact=True).first.wait_for(timeout=30_000)
    before = await demo.ptz_heads()
    await row.get_by_role("button").first.click()
    deadline = time.monotonic() + PTZ_STOP_TIMEOUT
    while True:
        heads = await demo.ptz_heads()
        head = heads["channels"][channel.channel]
        if heads["starts"] > before["starts"] and head["moving"] is None:
            break
        if time.monotonic() > deadline:
            raise CheckFailedError(f"PTZ left did not turn and stop the head: {heads}")
        await asyncio.sleep(0.5)
    if head["position"]["pan"] == before["channels"][channel.channel]["position"]["pan"]:
        raise CheckFailedError(f"the head did not turn: {heads}")
    LOGGER.info("PTZ left turned the head to %s, then it stopped", head["position"])
    await page.wait_for_timeout(500)  # let the page settle before the picture
    await page.screenshot(path=CONTROLS_SCREENSHOT)
    LOGGER.info("Saved %s", CONTROLS_SCREENSHOT.relative_to(ROOT))


async def browse(browser: Browser, demo: Demo) -> None:
    page = await browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
    # The demo works offline: a request that leaves this machine is worth knowing about.
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: elsewhere.append(request.url)
        if urlsplit(request.url).hostname not in (None, "127.0.0.1", "localhost")
        else None,
    )
    try:
        await log_in(page, demo)
        await page.locator("hui-picture-entity-card").first.wait_for(timeout=30_000)
        old = {c.channel: await shown_src(page, c.picture) for c in demo.entities}
        # Motion on channel 1; motion and a person on channel 2. They stay on until the
        # screenshot is taken, as a camera's alarm lasts while something moves.
        events = {0: ("VideoMotion",), 1: ("VideoMotion", "HumanDetect")}
        alarms: dict[int, dict[str, Any]] = {}
        for channel, names in events.items():
            for event in names:
                alarms[channel] = await demo.raise_alarm(channel, event)
            LOGGER.info(
                "Raised %s on channel %d at %s",
                " + ".join(names),
                channel + 1,
                alarms[channel]["start_time"],
            )
        for entities in demo.entities:
            src = await wait_for_new_picture(
                page, demo, entities, old[entities.channel], alarms[entities.channel]
            )
            width, height, stddev = await check_not_blank(page, demo, src)
            LOGGER.info(
                "Channel %d shows the alarm's picture: %dx%d, pixel standard deviation %.1f",
                entities.channel + 1,
                width,
                height,
                stddev,
            )
        await wait_for_dashboard(page, demo)
        await page.wait_for_timeout(1000)  # let the last images paint
        SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=SCREENSHOT)
        LOGGER.info("Saved %s", SCREENSHOT.relative_to(ROOT))
        for channel, names in events.items():
            for event in names:
                await demo.end_alarm(channel, event)
        await show_devices(page, demo)
        await show_controls(page, demo)
        if elsewhere:
            LOGGER.warning("The page asked other hosts: %s", ", ".join(sorted(set(elsewhere))))
    except BaseException:
        with_failure = STATE / "failure.png"
        try:
            await page.screenshot(path=with_failure)
            LOGGER.info("The page as it was: %s", with_failure)
        except PlaywrightError:
            pass
        raise
    finally:
        await page.close()


async def run() -> int:
    started = time.monotonic()
    if STATE.exists():
        shutil.rmtree(STATE)
    STATE.mkdir(parents=True)
    try:
        async with Demo(STATE, PORTS, alarms=False) as demo, async_playwright() as playwright:
            LOGGER.info("Demo ready after %.0f s", time.monotonic() - started)
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                await browse(browser, demo)
            finally:
                await browser.close()
    except (CheckFailedError, DemoError, PlaywrightError) as err:
        print(f"scripts/e2e: FAILED: {err}", file=sys.stderr)
        return 1
    print(f"scripts/e2e: passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/e2e", description=__doc__.splitlines()[0])
    parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not CHROMIUM.exists():
        print(f"scripts/e2e: {CHROMIUM} is missing (Debian: apt-get install chromium)")
        return 1
    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
