"""Limits shared by the command line and the file checker, in a module that imports nothing (so that the command
line can name them without importing pydantic)."""

MAX_WEEKS = 5200  # the longest run any file or flag may ask for (a hundred years)
