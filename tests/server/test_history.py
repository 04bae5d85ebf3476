"""The queue between relaying a message and storing it, and the replies that wait for it.

Issue 4: "a message is durable before it is echoed or acknowledged to its sender." Pushing is
the hot path; the owner drains in batches and calls ``committed`` once a batch is stored,
which releases the replies held on each sender's gate, in the order they were made.
"""

from __future__ import annotations

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.server.history import HistoryQueue, direct_key, identity
from chinwag.server.state import Session, User


class Outbox:
    """Keeps what is written, in order."""

    def __init__(self) -> None:
        self.data = b""
        self.closed = False

    def write(self, data: bytes) -> None:
        self.data += data

    def close(self) -> None:
        self.closed = True

    @property
    def queued(self) -> int:
        return len(self.data)


def session(session_id: int = 1) -> tuple[Session, Outbox]:
    outbox = Outbox()
    return Session(session_id, outbox, "127.0.0.1", "localhost", 0.0), outbox


def privmsg(n: int, **tags: str) -> Message:
    stamped = {"msgid": f"id{n}", "time": "2026-01-02T03:04:05.678Z", **tags}
    return Message("PRIVMSG", ("#Lobby", str(n)), "ana!~a@h", stamped)


# -- queueing and draining ---------------------------------------------------------------------


def test_push_numbers_messages_and_drain_takes_them_in_order_as_history_records() -> None:
    queue = HistoryQueue()
    assert queue.push(fold("#Lobby"), privmsg(1)) == 1
    assert queue.push(fold("#Lobby"), privmsg(2, account="Ana"), event=True) == 2
    assert queue.push(fold("ana bo"), privmsg(3), offline_for=fold("bo")) == 3
    assert len(queue) == 3

    last, records = queue.drain()

    assert last == 3
    assert len(queue) == 0
    assert [r.msgid for r in records] == ["id1", "id2", "id3"]
    first = records[0]
    assert (first.target, first.sender, first.time) == ("#lobby", "ana!~a@h", 1767323045.678)
    assert first.line.endswith("PRIVMSG #Lobby 1")
    assert (first.account, first.event, first.offline_for) == (None, False, None)
    assert (records[1].account, records[1].event) == ("Ana", True)
    assert (records[2].target, records[2].offline_for) == ("ana bo", "bo")


def test_sequence_numbers_go_on_across_drains() -> None:
    queue = HistoryQueue()
    queue.push(fold("#a"), privmsg(1))
    queue.drain()
    assert queue.push(fold("#a"), privmsg(2)) == 2
    assert queue.drain()[0] == 2
    assert queue.drain() == (2, [])


def test_the_owner_is_woken_once_per_burst() -> None:
    wakes: list[int] = []
    queue = HistoryQueue(on_first=lambda: wakes.append(len(queue)))
    queue.push(fold("#a"), privmsg(1))
    queue.push(fold("#a"), privmsg(2))
    assert wakes == [1]

    queue.drain()
    queue.push(fold("#a"), privmsg(3))

    assert wakes == [1, 1]


# -- replies held until durable ----------------------------------------------------------------


def test_a_held_reply_waits_until_its_message_is_committed() -> None:
    queue = HistoryQueue()
    ana, outbox = session()
    seq = queue.push(fold("#a"), privmsg(1))
    assert queue.must_hold(ana, seq)

    queue.hold(ana, seq, b"echo\r\n")
    assert outbox.data == b""
    assert ana.gate

    queue.committed(seq)

    assert outbox.data == b"echo\r\n"
    assert ana.gate is None
    assert not queue.must_hold(ana, seq)


def test_replies_leave_in_the_order_they_were_held() -> None:
    queue = HistoryQueue()
    ana, outbox = session()
    one, two, three = (queue.push(fold("#a"), privmsg(n)) for n in (1, 2, 3))
    queue.hold(ana, one, b"echo 1\r\n")
    queue.hold(ana, three, b"echo 3\r\n")
    queue.hold(ana, two, b"PONG\r\n")  # made after echo 3: it must not overtake it

    queue.committed(two)
    assert outbox.data == b"echo 1\r\n"

    queue.committed(three)
    assert outbox.data == b"echo 1\r\necho 3\r\nPONG\r\n"


def test_a_reply_to_a_durable_message_still_waits_behind_earlier_held_replies() -> None:
    queue = HistoryQueue()
    ana, _ = session()
    stored = queue.push(fold("#a"), privmsg(1))
    queue.committed(stored)
    assert not queue.must_hold(ana, stored)

    queue.hold(ana, queue.push(fold("#a"), privmsg(2)), b"echo 2\r\n")

    assert queue.must_hold(ana, stored)


def test_each_session_waits_only_for_its_own_messages() -> None:
    queue = HistoryQueue()
    ana, ana_out = session(1)
    bo, bo_out = session(2)
    queue.hold(ana, queue.push(fold("#a"), privmsg(1)), b"to ana\r\n")
    queue.hold(bo, queue.push(fold("#a"), privmsg(2)), b"to bo\r\n")

    queue.committed(1)

    assert (ana_out.data, bo_out.data) == (b"to ana\r\n", b"")
    queue.committed(2)
    assert bo_out.data == b"to bo\r\n"


def test_committed_never_goes_back() -> None:
    queue = HistoryQueue()
    ana, outbox = session()
    for n in (1, 2, 3):
        queue.push(fold("#a"), privmsg(n))
    queue.committed(3)
    queue.committed(1)
    assert queue.committed_seq == 3
    queue.hold(ana, 2, b"late\r\n")  # the owner checks must_hold first; held anyway
    queue.committed(2)
    assert outbox.data == b"late\r\n"


def test_a_session_that_leaves_while_waiting_still_gets_its_replies_then_is_closed() -> None:
    queue = HistoryQueue()
    ana, outbox = session()
    queue.hold(ana, queue.push(fold("#a"), privmsg(1)), b"echo\r\n")
    ana.closed = True
    queue.hold(ana, 0, b"ERROR :bye\r\n")
    queue.hold(ana, 0, None)  # the close itself waits its turn
    assert not outbox.closed

    queue.committed(1)

    assert outbox.data == b"echo\r\nERROR :bye\r\n"
    assert outbox.closed
    assert ana.gate is None


# -- whose conversation ------------------------------------------------------------------------


def test_a_user_is_known_by_account_when_logged_in_and_by_nick_otherwise() -> None:
    ana = User("Ana", "~a", "h", "Ana")
    assert identity(ana) == "ana"
    assert direct_key(ana, fold("bo")) == "ana bo"
    ana.account = "Zed"
    assert identity(ana) == "zed"
    assert direct_key(ana, fold("bo")) == "bo zed"
