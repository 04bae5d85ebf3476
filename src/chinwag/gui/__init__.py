"""``chinwag gui``: a Tkinter chat window on the shared client core.

The core (:mod:`chinwag.client`) runs on an asyncio loop in a worker thread
(:mod:`chinwag.gui.bridge`); what it has to show crosses to Tk's thread as immutable
snapshots through a queue that Tk drains with ``after()``. What to show for which event and
the checks of the login form are plain classes (:mod:`chinwag.gui.view`), tested without a
display; :mod:`chinwag.gui.app` only draws them.
"""
