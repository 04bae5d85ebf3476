"""Several nodes, one network: the server core replicated over a shared, ordered log
(docs/scaling.md).

:mod:`codec` turns log entries into bytes and back; :mod:`effects` runs deferred work once
for the whole network; :mod:`node` drives a :class:`~chinwag.server.core.ServerCore` from
the log (:class:`~chinwag.server.replication.node.ReplicatedCore`).
"""
