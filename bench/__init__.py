"""chinwag's benchmarks.

``python -m bench`` (see :mod:`bench.run`) measures fan-out, latency and idle connections on
chinwag and on a reference C server (ngIRCd) with the same load generator, and writes
``docs/benchmarks.md``. The single-file scripts next to it (``client_model.py``,
``tui_render.py``, ``durable_echo.py``, ``web.py``) measure one part of chinwag on its own.
"""
