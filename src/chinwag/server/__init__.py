"""The chinwag IRC server: state, command handlers and the asyncio application around them."""
