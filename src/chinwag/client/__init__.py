"""The client core every chinwag client shares: a sans-I/O protocol and an asyncio runner.

:class:`~chinwag.client.protocol.ClientProtocol` turns bytes into typed events
(:mod:`chinwag.client.events`) and intents into bytes; :class:`~chinwag.client.runner.Runner`
drives it over TCP or TLS, reconnecting with backoff. No UI toolkit is imported here.
"""

from chinwag.client.negotiation import WANTED_CAPS
from chinwag.client.protocol import ClientProtocol, NotRegistered

__all__ = ["WANTED_CAPS", "ClientProtocol", "NotRegistered"]
