"""Coverage-guided fuzzing of chinwag (issue 17, "Fuzzing"): see fuzz/README.md.

:mod:`fuzz.targets` holds the targets as plain functions of one input (no atheris import, so
the corpus replays as an ordinary test); ``python -m fuzz <target>`` runs one under atheris.
"""
