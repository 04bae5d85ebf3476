"""Messages between server nodes behind a small interface: :class:`~chinwag.bus.base.Bus`.

One node needs nothing but :class:`~chinwag.bus.local.LocalBus`; a Redis bus with the same
interface lets several nodes share users and channels (the scale-out issue).
"""
