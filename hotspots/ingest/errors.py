"""The importer's project exception: a whole file refused, with what, where and what to do."""

from __future__ import annotations


class ImportRejected(Exception):
    """A whole file was refused and nothing of it was written.

    Raised for an unreadable file, a missing required column, a column of direct identifiers,
    any rejected row in strict mode, or a missing vehicle key. `rejections` holds the
    per-row report when the refusal came from rows (strict mode), so it can still be shown.
    """

    def __init__(self, message: str, rejections: object = None) -> None:
        super().__init__(message)
        self.rejections = rejections
