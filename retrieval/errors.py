"""Errors a person can act on. Every message says what went wrong and how to fix it."""

from __future__ import annotations

import errno
import os


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


class UploadRefused(QabotError):
    """An article that was not added to the corpus; the message is the one-line reason."""


class EngineError(QabotError):
    pass


class IndexNotWritable(QabotError):
    """The index folder cannot take a new version (a full disk, a read-only folder); the previous one is intact."""

    def __init__(self, index_dir: str, err: BaseException) -> None:
        self.reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        if getattr(err, "sqlite_errorcode", None) == 13:  # SQLITE_FULL: say it as the file system does
            self.reason = os.strerror(errno.ENOSPC)
        super().__init__(
            f"The index at {index_dir} could not be updated ({self.reason}); the previous index is unchanged. "
            "Free some space or make the folder writable, then run `qabot index`."
        )


class IndexBusy(QabotError):
    """Another process holds the index's writer lock."""

    def __init__(self, index_dir: str, holder: str) -> None:
        self.holder = holder
        super().__init__(f"The index at {index_dir} is being updated by {holder}. Try again when it has finished.")
