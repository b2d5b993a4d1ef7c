"""Errors a person can act on. Every message says what went wrong and how to fix it."""

from __future__ import annotations


class QabotError(Exception):
    """Base class: `str(err)` is safe to show to a user."""


class CorpusError(QabotError):
    pass


class IndexMissing(QabotError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(f"No index at {index_dir}. Build it with `qabot index`.")


class IndexOutdated(IndexMissing):
    """An index written by an older qabot: it is rebuilt like a missing one."""

    def __init__(self, index_dir: str, why: str) -> None:
        QabotError.__init__(self, f"The index at {index_dir} is outdated ({why}). Rebuild it with `qabot index`.")


class IndexCorrupt(QabotError):
    def __init__(self, index_dir: str, why: str) -> None:
        super().__init__(f"The index at {index_dir} cannot be used ({why}). Rebuild it with `qabot index --rebuild`.")


class ModelMissing(QabotError):
    pass


class BadQuestion(QabotError):
    pass


class EngineError(QabotError):
    pass
