"""The network log several nodes of one chinwag network share (issue 18).

Every node runs the same deterministic core and applies one totally ordered log of everything
that changes the network; this package is that log and nothing more: entries are opaque bytes.
:mod:`chinwag.cluster.base` is the interface, :mod:`chinwag.cluster.local` the in-process
implementation (tests, in-process multi-node harnesses), :mod:`chinwag.cluster.redis` the one on
Redis Streams. tests/cluster/test_log_suite.py holds both to the same contract.
"""
