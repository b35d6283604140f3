"""Errors that the workflow turns into one-line messages instead of stack traces."""

from __future__ import annotations


class MusicrecError(Exception):
    """Base class: anything the user can fix (bad input data, bad config)."""


class InputDataError(MusicrecError):
    """A data file is missing, malformed, or does not join.

    The message always names the file, the column (when there is one) and the problem,
    e.g. ``resources/kkbox/train.csv: column 'target': non-numeric values ('yes')``.
    """

    def __init__(self, path, problem: str, column: str | None = None):
        self.path = str(path)
        self.column = column
        self.problem = problem
        where = f"{self.path}: column '{column}'" if column else self.path
        super().__init__(f"{where}: {problem}")


class ConfigError(MusicrecError):
    """A config value is invalid in a way the JSON schema cannot express."""
