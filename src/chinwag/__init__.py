"""chinwag: a chat room system that speaks IRC.

Run ``chinwag serve`` for a server; see README.md for the rest.
"""

__version__ = "0.1.0"
