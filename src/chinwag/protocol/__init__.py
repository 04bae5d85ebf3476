"""The sans-I/O IRC protocol core shared by the server and the clients.

Nothing in this package imports asyncio or socket: it turns bytes into values and values
into bytes, and the caller decides what to do with them.
"""
