"""Thin asyncio adapters that turn a medium into bytes for the server core and back."""
