"""The client core every chinwag client shares: a sans-I/O protocol and an asyncio runner.

:class:`~chinwag.client.protocol.ClientProtocol` turns bytes into typed events
(:mod:`chinwag.client.events`) and intents into bytes; :class:`~chinwag.client.runner.Runner`
drives it over TCP or TLS, reconnecting with backoff. On top of them, for the first-party
clients: the chat model (:mod:`chinwag.client.chat`, owning the filing of lines,
:mod:`chinwag.client.filing`, and the typed input, :mod:`chinwag.client.typed`; its values in
:mod:`chinwag.client.values`) and the presentation model every front end draws
(:mod:`chinwag.client.presentation`, with :mod:`chinwag.client.login` and
:mod:`chinwag.client.banner`). No UI toolkit is imported here.
"""

from chinwag.client.negotiation import WANTED_CAPS
from chinwag.client.protocol import ClientProtocol, NotRegistered

__all__ = ["WANTED_CAPS", "ClientProtocol", "NotRegistered"]
