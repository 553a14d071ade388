"""A browser looks at the demo: log in, add the camera, see each alarm's picture.

    scripts/e2e [--stack current|oldest]   (installs chromium and Playwright when missing)

Starts the demo (`scripts/demo.py`) from scratch in `.demo/e2e` on ports of its own, so a
running demo is left alone, with no alarms of its own and without the camera. Home Assistant
runs on the stack chosen: the current one (`--stack current`, Home Assistant 2026.10 in the
chroot of scripts/current-stack: root only), which takes the screenshots in the README, or the
oldest (`.venv`, Home Assistant 2025.4). Then, in headless Chromium (Debian's
`/usr/bin/chromium`, driven by Playwright; Playwright's own browser download is never used):

1. logs in through Home Assistant's login page as the demo user;
2. opens Settings > Devices & services > Add integration > DVRIP, picks "a camera found on
   the network", checks that the simulated recorder is listed by its address, and saves
   `docs/screenshot-setup.png`; then adds it with its login through the same dialog and
   waits for its entry to load (the demo then adds its dashboard and automations);
3. raises an alarm on each channel through the simulator's control API (a person on the
   second);
4. waits until each "last alarm picture" card shows a new picture, and checks that the
   picture is that alarm's (the image entity's `camera_time`), that the browser rendered it
   and that it is not blank (its pixels vary);
5. saves a screenshot of the dashboard to `docs/screenshot-dashboard.png`;
6. opens the notifications, checks that each channel's alarm is there with its picture,
   rendered and not blank, and saves `docs/screenshot-notification.png`;
7. opens the integration's devices and waits for the recorder and a device per channel,
   named from the recorder's channel titles, then saves `docs/screenshot-devices.png`;
8. opens the first channel's device page, presses its "PTZ left" button there, checks that
   the simulated head turned left and was stopped without being asked, and saves
   `docs/screenshot-controls.png`.

Nothing leaves the machine: the browser's requests to other hosts are refused, and so are
its requests for the brand images of Home Assistant's own integrations, which Home Assistant
2026.10 would fetch from its brands server (this integration's come from its `brand/`).
Screenshots are saved with 256 colours, to keep the repository small. Those of the current
stack go to `docs/` (the README shows them); those of the oldest to `.demo/e2e/screenshots/`.

Exits 0 when all of that held, 1 with the reason otherwise (and a screenshot of the page as
it was, in `.demo/e2e/failure.png`).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
from pathlib import Path
import re
import shutil
import sys
import time
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from demo import (
    CAMERA_PASSWORD,
    PASSWORD,
    ROOT,
    USERNAME,
    Demo,
    DemoEntities,
    DemoError,
    DemoPorts,
    Stack,
)
from PIL import Image, ImageStat
from playwright.async_api import (
    Browser,
    Error as PlaywrightError,
    Locator,
    Page,
    Route,
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
# The screenshots the README and docs/ show come from the current stack: today's Home
# Assistant, which shows the integration's brand images. The oldest stack's go to STATE.
DOCS: Final = ROOT / "docs"
# The integration's name in the "Add integration" list (manifest.json).
INTEGRATION_NAME: Final = "DVRIP (XMEye) cameras"
# The brand images the browser may ask Home Assistant for: this integration's own.
OWN_BRAND: Final = "/api/brands/integration/dvrip/"
LOOPBACK: Final = ("127.0.0.1", "localhost")
# A press moves the head for a second; its stop follows by itself.
PTZ_STOP_TIMEOUT: Final = 15.0
# The simulated recorder's own name (profile `nvr`); its channels are named from their titles.
RECORDER_NAME: Final = "Home recorder"
STATE: Final = ROOT / ".demo" / "e2e"
OLDEST_SCREENSHOTS: Final = STATE / "screenshots"
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
    await page.wait_for_url(lambda url: "/auth/" not in url and "auth_callback" not in url)
    # The front end is drawn once its sidebar is.
    await page.locator("ha-sidebar").first.wait_for(timeout=60_000)
    LOGGER.info("Logged in; Home Assistant opened %s", page.url)


async def save_screenshot(page: Page, demo: Demo, name: str) -> None:
    """The page as it is, as `screenshot-<name>.png`, in 256 colours: a third of the size,
    and it still reads well. In docs/ from the current stack, else in OLDEST_SCREENSHOTS."""
    folder = DOCS if demo.stack is Stack.CURRENT else OLDEST_SCREENSHOTS
    path = folder / f"screenshot-{name}.png"
    with Image.open(io.BytesIO(await page.screenshot())) as shot:
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    small.save(path, optimize=True)
    LOGGER.info("Saved %s (%d KB)", path.relative_to(ROOT), path.stat().st_size // 1024)


async def keep_local(route: Route) -> None:
    """Refuse what would leave the machine: other hosts, and core integrations' brand
    images (Home Assistant 2026.10 fetches those from its brands server)."""
    url = urlsplit(route.request.url)
    if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK:
        await route.abort("blockedbyclient")
    elif url.path.startswith("/api/brands/") and not url.path.startswith(OWN_BRAND):
        await route.fulfill(status=404)
    else:
        await route.fallback()


async def add_camera(page: Page, demo: Demo) -> None:
    """Settings > Devices & services > Add integration > DVRIP: the recorder the search found,
    listed by its address, picked and added with its login.
    """
    await page.goto(f"{demo.base_url}/config/integrations/dashboard")
    await page.get_by_text("Add integration", exact=True).first.click()
    # Its search field: labelled on Home Assistant 2025.4, only a placeholder on 2026.10.
    brand = re.compile("search for a brand", re.IGNORECASE)
    search = page.get_by_role("textbox", name=brand).or_(page.get_by_placeholder(brand))
    await search.first.fill("DVRIP")
    await page.get_by_text(INTEGRATION_NAME, exact=True).last.click()
    await page.get_by_text("Pick a camera found on the network", exact=True).click(timeout=60_000)
    found = f"127.0.0.1:{demo.ports.camera}"
    await page.get_by_text(found, exact=True).first.wait_for(timeout=30_000)
    await page.wait_for_timeout(500)  # let the dialog settle before the picture
    await save_screenshot(page, demo, "setup")
    LOGGER.info("The setup dialog lists the recorder found by the search: %s", found)
    await page.get_by_role("button", name="Submit").click()
    await page.get_by_text(f"Add {found}", exact=True).first.wait_for(timeout=30_000)
    await page.get_by_role("textbox", name="Password", exact=True).fill(CAMERA_PASSWORD)
    await page.get_by_role("button", name="Submit").click()
    entry = await demo.wait_for_camera()
    LOGGER.info("Added %s through the setup dialog", entry)
    await page.keyboard.press("Escape")


def notification_picture(page: Page, entity_id: str) -> Locator:
    """The <img> of the notification showing the picture of `entity_id`."""
    return page.locator(
        f"notification-item ha-markdown img[src*='/api/image_proxy/{entity_id}']"
    ).first


async def show_notification(page: Page, demo: Demo) -> None:
    """The notifications: each channel's last alarm, with its picture (rendered, not blank)."""
    await page.get_by_text("Notifications", exact=True).first.click()
    for channel in demo.entities:
        await page.get_by_text(f"{channel.name}: ", exact=False).first.wait_for(timeout=30_000)
        img = notification_picture(page, channel.picture)
        await img.wait_for(timeout=30_000)
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=await img.element_handle(),
            timeout=30_000,
        )
        src = await img.get_attribute("src")
        assert src is not None
        width, height, stddev = await check_not_blank(page, demo, src)
        LOGGER.info(
            "The notification of channel %d shows its picture: %dx%d, pixel standard "
            "deviation %.1f",
            channel.channel + 1,
            width,
            height,
            stddev,
        )
    await page.wait_for_timeout(500)  # let the drawer settle before the picture
    await save_screenshot(page, demo, "notification")
    await page.keyboard.press("Escape")


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
    await save_screenshot(page, demo, "devices")
    LOGGER.info("Devices shown: %s", ", ".join(names))


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
    await save_screenshot(page, demo, "controls")


async def browse(browser: Browser, demo: Demo) -> None:
    page = await browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
    # The demo works offline: a request that would leave this machine is refused, and worth
    # knowing about.
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: elsewhere.append(request.url)
        if urlsplit(request.url).hostname not in (None, *LOOPBACK)
        else None,
    )
    await page.route("**/*", keep_local)
    try:
        await log_in(page, demo)
        await add_camera(page, demo)
        await demo.set_up()
        await page.goto(f"{demo.base_url}/{demo.dashboard_path}/cameras")
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
        await save_screenshot(page, demo, "dashboard")
        await show_notification(page, demo)
        for channel, names in events.items():
            for event in names:
                await demo.end_alarm(channel, event)
        await show_devices(page, demo)
        await show_controls(page, demo)
        if elsewhere:
            LOGGER.warning(
                "The page asked other hosts (refused): %s", ", ".join(sorted(set(elsewhere)))
            )
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


async def run(stack: Stack) -> int:
    started = time.monotonic()
    if STATE.exists():
        shutil.rmtree(STATE)
    STATE.mkdir(parents=True)
    try:
        demo = Demo(STATE, PORTS, alarms=False, stack=stack, add_camera=False)
        async with demo, async_playwright() as playwright:
            LOGGER.info(
                "Home Assistant (%s stack) ready after %.0f s", stack, time.monotonic() - started
            )
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
    parser.add_argument(
        "--stack",
        type=Stack,
        choices=list(Stack),
        default=Stack.CURRENT,
        help="the test stack Home Assistant runs on (current, the default, needs root; "
        "it takes the README's screenshots)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not CHROMIUM.exists():
        print(f"scripts/e2e: {CHROMIUM} is missing (Debian: apt-get install chromium)")
        return 1
    return asyncio.run(run(args.stack))


if __name__ == "__main__":
    sys.exit(main())
