"""The demo stays on the machine: its recorder and its Home Assistant search the loopback only."""

from __future__ import annotations

import importlib.util
import ipaddress
from pathlib import Path
import sys
from types import ModuleType

import pytest

from custom_components.dvrip import discovery
from simulator.__main__ import build_parser, config_from_args

DEMO = Path(__file__).resolve().parents[1] / "scripts" / "demo.py"
# The integrations that search the network for devices of their own.
NETWORK_SEARCHES = ("default_config", "zeroconf", "ssdp", "dhcp", "bluetooth", "network:")


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dvrip_demo", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_home_assistant_searches_only_the_demo_recorder(demo: ModuleType) -> None:
    """The integration's search goes to the recorder's loopback port, never a broadcast."""
    setup = demo.Demo(state=Path("/nonexistent"))
    environment = setup.home_assistant_environment()
    assert demo.DISCOVERY_TARGETS_VARIABLE == discovery.TARGETS_VARIABLE
    targets = discovery.discovery_targets(environment)
    assert targets == (("127.0.0.1", setup.ports.discovery),)
    assert all(ipaddress.IPv4Address(host).is_loopback for host, _ in targets)
    assert ("255.255.255.255", discovery.DISCOVERY_PORT) not in targets


def test_the_demo_recorder_answers_the_search_on_the_loopback(demo: ModuleType) -> None:
    """The simulator's command line: the search answered on the port Home Assistant asks."""
    setup = demo.Demo(state=Path("/nonexistent"))
    arguments = setup.simulator_arguments()
    assert arguments[1:3] == ["-m", "simulator"]
    config = config_from_args(build_parser().parse_args(arguments[3:]))
    assert config.discovery_port == setup.ports.discovery
    for host in (config.host, config.discovery_host, config.discovery_reply_host):
        assert ipaddress.IPv4Address(host).is_loopback
    assert config.alarm_centre_host is None


def test_the_demo_loads_no_network_search(demo: ModuleType) -> None:
    """Home Assistant's configuration loads none of the integrations that search the LAN."""
    configuration = demo.CONFIGURATION_YAML
    for name in NETWORK_SEARCHES:
        assert name not in configuration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:34570", (("127.0.0.1", 34570),)),
        (" 127.0.0.1:1 , 127.0.0.2:2 ", (("127.0.0.1", 1), ("127.0.0.2", 2))),
        ("", ()),
        ("camera:34569", ()),
        ("127.0.0.1:0", ()),
        ("127.0.0.1", ()),
    ],
)
def test_search_targets_from_the_environment(
    text: str, expected: tuple[tuple[str, int], ...]
) -> None:
    """A list that cannot be read searches nowhere rather than the whole network."""
    assert discovery.discovery_targets({discovery.TARGETS_VARIABLE: text}) == expected


def test_the_current_stack_runs_home_assistant_in_the_chroot(demo: ModuleType) -> None:
    """On the current stack Home Assistant starts through scripts/current-stack and reads the
    demo's folder where the chroot mounts this clone."""
    state = demo.ROOT / ".demo" / "check"
    setup = demo.Demo(state=state, stack=demo.Stack.CURRENT)
    arguments = setup.home_assistant_arguments()
    assert arguments[:2] == [str(demo.ROOT / "scripts" / "current-stack"), "hass"]
    assert arguments[arguments.index("--config") + 1] == "/src/.demo/check/config"
    # The oldest stack runs the clone's own Home Assistant on the folder as it is.
    oldest = demo.Demo(state=state).home_assistant_arguments()
    assert oldest[0] == str(demo.ROOT / ".venv" / "bin" / "hass")
    assert oldest[oldest.index("--config") + 1] == str(state / "config")


def test_the_current_stack_sees_only_this_clone(demo: ModuleType, tmp_path: Path) -> None:
    """A demo folder outside the clone is refused on the current stack: the chroot cannot
    see it."""
    setup = demo.Demo(state=tmp_path, stack=demo.Stack.CURRENT)
    with pytest.raises(demo.DemoError, match="outside"):
        setup.home_assistant_arguments()


def test_the_current_stack_listens_where_asked_without_a_trial(demo: ModuleType) -> None:
    """Home Assistant 2026.10 takes its address from its store, confirmed: the YAML's would be
    a trial that restarts it after five minutes."""
    ports = demo.DemoPorts(http=8199, listen="127.0.0.1")
    store = demo.Demo(state=Path("/nonexistent"), ports=ports, stack=demo.Stack.CURRENT)
    data = store.http_store()["data"]
    assert data["stable"]["server_port"] == 8199
    assert data["stable"]["server_host"] == ["127.0.0.1"]
    assert data["pending"] is None
    assert data["yaml_migration_done"] is True
