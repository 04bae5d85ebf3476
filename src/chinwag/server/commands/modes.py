"""Placeholder: handlers are being written; see the issue."""
