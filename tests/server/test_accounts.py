"""The login throttle: an attempt takes its place before its check (issue 24, item 7); new
account records made from values drawn beforehand (issue 18)."""

from __future__ import annotations

from chinwag.config import AccountSettings
from chinwag.server import sources
from chinwag.server.accounts import (
    LoginThrottle,
    check_password,
    make_account,
    new_account_draws,
    with_password,
)
from chinwag.server.services.attempts import address_of
from chinwag.server.sources import SeededSources

KEYS = ("login:ana", "login@192.0.2.1")

FAST = AccountSettings(argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1)


def test_checks_in_progress_fill_the_limit_before_any_has_failed() -> None:
    throttle = LoginThrottle(limit=3, window=60.0)
    taken = [throttle.reserve(KEYS, now=0.0) for _ in range(3)]
    assert all(attempt is not None for attempt in taken)
    # None of the three has finished, yet a fourth is refused unchecked.
    assert throttle.reserve(KEYS, now=1.0) is None
    assert throttle.wait(KEYS, now=1.0) == 59.0


def test_a_success_gives_its_place_back_and_a_failure_keeps_it() -> None:
    throttle = LoginThrottle(limit=2, window=60.0)
    right = throttle.reserve(KEYS, now=0.0)
    wrong = throttle.reserve(KEYS, now=0.0)
    assert right is not None and wrong is not None
    assert throttle.reserve(KEYS, now=0.0) is None
    throttle.release(right)
    throttle.release(right)  # twice is the same as once: it cannot free another's place
    assert throttle.reserve(KEYS, now=1.0) is not None
    assert throttle.reserve(KEYS, now=1.0) is None


def test_places_free_up_as_the_window_slides() -> None:
    throttle = LoginThrottle(limit=1, window=60.0)
    assert throttle.reserve(KEYS, now=0.0) is not None
    assert throttle.reserve(KEYS, now=59.0) is None
    assert throttle.reserve(KEYS, now=60.0) is not None


def test_one_full_key_refuses_the_attempt_and_takes_no_place_in_the_others() -> None:
    throttle = LoginThrottle(limit=1, window=60.0)
    assert throttle.reserve(("login:ana",), now=0.0) is not None
    assert throttle.reserve(("login:ana", "login@192.0.2.1"), now=1.0) is None
    assert throttle.reserve(("login@192.0.2.1",), now=1.0) is not None


def test_a_release_after_the_window_passed_frees_nothing_of_later_attempts() -> None:
    throttle = LoginThrottle(limit=1, window=10.0)
    slow = throttle.reserve(KEYS, now=0.0)
    assert slow is not None
    later = throttle.reserve(KEYS, now=20.0)
    assert later is not None
    throttle.release(slow)  # its place expired long ago
    assert throttle.reserve(KEYS, now=21.0) is None


def test_a_limit_of_zero_limits_nothing() -> None:
    throttle = LoginThrottle(limit=0, window=60.0)
    assert all(throttle.reserve(KEYS, now=0.0) is not None for _ in range(100))


def test_known_addresses_are_remembered_per_subject_most_recent_kept() -> None:
    throttle = LoginThrottle(limit=5, window=60.0)
    throttle.remember("login:ana", "login@192.0.2.1")
    assert throttle.knows("login:ana", "login@192.0.2.1")
    assert not throttle.knows("login:bob", "login@192.0.2.1")
    for index in range(LoginThrottle.KNOWN_PER_SUBJECT):
        throttle.remember("login:ana", f"login@198.51.100.{index}")
    assert not throttle.knows("login:ana", "login@192.0.2.1")  # the oldest went first
    assert throttle.knows("login:ana", "login@198.51.100.0")
    throttle.forget_subject("login:ana")
    assert not throttle.knows("login:ana", "login@198.51.100.0")


def test_an_ipv6_client_counts_as_its_slash_64() -> None:
    assert address_of("2001:db8:1:2:3:4:5:6") == address_of("2001:db8:1:2:ffff::1")
    assert address_of("2001:db8:1:2::1") != address_of("2001:db8:1:3::1")
    assert address_of("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_of("192.0.2.1") == "192.0.2.1"


# -- new account records from drawn values (issue 18) ---------------------------------------------


def test_an_account_made_from_the_same_draws_is_the_same_record() -> None:
    with sources.using(SeededSources(b"accounts", lambda: 1_767_225_600.0)):
        draws = new_account_draws()
    one = make_account("ana", "password one", FAST, draws)
    other = make_account("ana", "password one", FAST, draws)
    assert one == other
    assert (one.created, one.id, one.scram_salt) == (1_767_225_600.0, draws.id, draws.scram_salt)
    assert check_password(one, "password one")


def test_a_new_password_keeps_the_account_id_and_takes_new_salts() -> None:
    account = make_account("ana", "password one", FAST)
    changed = with_password(account, "password two", FAST, new_account_draws())
    assert (changed.id, changed.created) == (account.id, account.created)
    assert changed.scram_salt != account.scram_salt
    assert check_password(changed, "password two")
