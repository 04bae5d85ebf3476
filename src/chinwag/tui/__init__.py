"""``chinwag chat``: the Textual terminal client (and its plain line mode) on the client core."""
