"""The per-address connection limiter (``[connections]``, issue 17) without sockets: what
counts as one address, the open-connection cap, the throttle window, exemptions, and that
nothing is remembered about an address once it can no longer matter."""

from __future__ import annotations

from chinwag.config import ConnectionLimits
from chinwag.server.services.connlimits import AddressLimiter, address_key

OPEN_CAP = ConnectionLimits(max_per_address=2, throttle_connections=0, exempt=())
THROTTLE = ConnectionLimits(
    max_per_address=0, throttle_connections=2, throttle_window=60.0, exempt=()
)


def test_an_address_is_an_ipv4_address_or_an_ipv6_64() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7/32"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7/32"
    assert address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:2::99") == address_key("2001:db8:1:2:ffff::1")
    assert address_key("203.0.113.7", ipv4_prefix=24) == "203.0.113.0/24"
    assert address_key("2001:db8:1:2::1", ipv6_prefix=48) == "2001:db8:1::/48"
    assert address_key("unknown") == "unknown"


def test_the_open_cap_counts_a_whole_ipv6_64_and_frees_a_place_on_release() -> None:
    limiter = AddressLimiter()
    assert limiter.admit("2001:db8::1", OPEN_CAP, 0.0) is None
    assert limiter.admit("2001:db8::2", OPEN_CAP, 0.0) is None
    refused = limiter.admit("2001:db8::3", OPEN_CAP, 0.0)
    assert refused == ("too_many", "Too many connections from your address")
    assert limiter.admit("2001:db8:0:1::1", OPEN_CAP, 0.0) is None  # the next /64
    limiter.release("2001:db8::1", OPEN_CAP)
    assert limiter.admit("2001:db8::3", OPEN_CAP, 0.0) is None


def test_the_throttle_counts_connections_within_its_window() -> None:
    limiter = AddressLimiter()
    assert limiter.admit("203.0.113.7", THROTTLE, 0.0) is None
    limiter.release("203.0.113.7", THROTTLE)
    assert limiter.admit("203.0.113.7", THROTTLE, 10.0) is None
    limiter.release("203.0.113.7", THROTTLE)
    refused = limiter.admit("203.0.113.7", THROTTLE, 20.0)
    assert refused is not None and refused[0] == "throttled"
    assert "wait 40 seconds" in refused[1]
    assert limiter.admit("203.0.113.7", THROTTLE, 60.0) is None  # the first one left it


def test_exempt_ranges_are_not_limited_but_still_counted() -> None:
    settings = ConnectionLimits(max_per_address=1, throttle_connections=1, exempt=("10.0.0.0/8",))
    limiter = AddressLimiter()
    for _ in range(5):
        assert limiter.admit("10.1.2.3", settings, 0.0) is None
    assert limiter.open_from("10.1.2.3", settings) == 5
    assert limiter.admit("192.0.2.1", settings, 0.0) is None
    assert limiter.admit("192.0.2.1", settings, 0.0) is not None


def test_nothing_is_kept_about_an_address_once_it_cannot_matter() -> None:
    limiter = AddressLimiter()
    for index in range(100):
        ip = f"198.51.100.{index}"
        assert limiter.admit(ip, THROTTLE, 0.0) is None
        limiter.release(ip, THROTTLE)
    limiter.prune(THROTTLE, 30.0)
    assert limiter.open_from("198.51.100.1", THROTTLE) == 0
    assert len(limiter._addresses) == 100  # still within the window
    limiter.prune(THROTTLE, 61.0)
    assert limiter._addresses == {}


def test_a_limit_of_zero_is_no_limit() -> None:
    settings = ConnectionLimits(max_per_address=0, throttle_connections=0, exempt=())
    limiter = AddressLimiter()
    for _ in range(1000):
        assert limiter.admit("203.0.113.7", settings, 0.0) is None


def test_a_connection_let_in_without_the_rate_is_counted_open_but_not_recent() -> None:
    limiter = AddressLimiter()
    for _ in range(10):
        assert limiter.admit("203.0.113.7", THROTTLE, 0.0, rate=False) is None
    assert limiter.open_from("203.0.113.7", THROTTLE) == 10
    assert limiter.check_rate("203.0.113.7", THROTTLE, 1.0) is None
    assert limiter.check_rate("203.0.113.7", THROTTLE, 2.0) is None
    refused = limiter.check_rate("203.0.113.7", THROTTLE, 3.0)
    assert refused is not None and refused[0] == "throttled"
    assert limiter.admit("203.0.113.7", THROTTLE, 4.0) is not None  # the same window
    exempt = ConnectionLimits(throttle_connections=1, exempt=("203.0.113.0/24",))
    for _ in range(5):
        assert limiter.check_rate("203.0.113.8", exempt, 0.0) is None
