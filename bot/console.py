"""What every front-end command shares: the two consoles, errors (one message style, one exit code), loading the
settings, reading standard input, making untrusted text safe to print, and keeping secrets out of what is printed.

`qabot ask/chat/search/index` (bot/cli.py, bot/repl.py), `qabot eval` and `qabot telegram` import this module; it
imports none of them (nothing heavy at the top: rich and typer only).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.text import Text

from retrieval.errors import QabotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from retrieval.records import Answer

EXIT_ERROR = 1  # every command: an error the user can act on (bad settings, no index, a bad question...)

out = Console()
err = Console(stderr=True)

# ---------------------------------------------------------------- secrets

_secrets: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None


def hide(secret: str) -> None:
    """Never print `secret` (e.g. the bot token): `redact` replaces it, in any letter case, from now on. A token
    `id:key` hides its key part on its own too (an error text may quote it without the id)."""
    global _secret_pattern
    secret = secret.strip()
    if len(secret) < 6:
        return
    parts = {secret}
    if ":" in secret and len(secret.split(":", 1)[1]) >= 6:
        parts.add(secret.split(":", 1)[1])
    for part in list(parts):
        parts.add(part.replace(":", "%3A"))  # as it appears in an URL-encoded form
    if parts <= _secrets:
        return
    _secrets.update(parts)
    alternatives = sorted(_secrets, key=len, reverse=True)  # the whole token before its key part
    _secret_pattern = re.compile("|".join(map(re.escape, alternatives)), re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every hidden secret replaced by <token>, whatever its letter case (Telegram's client library
    lower-cases error texts that start with "Bad Request:")."""
    if _secret_pattern is None or not text:
        return text
    return _secret_pattern.sub("<token>", text)


class RedactSecrets(logging.Filter):
    """Redacts hidden secrets in a log record as a handler will print it: the message with its arguments, the
    exception's text and traceback, the stack. On a handler it sees the records of every logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secret_pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler, which reports it without its arguments
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def protect_logs() -> None:
    """Every handler of the root logger (and Python's last-resort one) redacts hidden secrets; URL-logging
    libraries stay at WARNING (httpx logs each request's URL, and the bot token is in it)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
    handlers = [*logging.getLogger().handlers, *([logging.lastResort] if logging.lastResort else [])]
    for handler in handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())


# ---------------------------------------------------------------- errors and settings


def fail(error: Exception | str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print the error's user-facing message on stderr (secrets redacted); raise the returned Exit."""
    err.print(Text.assemble(("error: ", "bold red"), redact(str(error))), highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings(**overrides: object) -> Settings:
    """The settings (environment, .env) with the command-line options that were given on top; a friendly error and
    exit status 1 when one is invalid, the same for every command."""
    from pydantic import ValidationError

    from bot.settings import Settings

    values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    try:
        loaded = Settings(**values)
        loaded.allowed_user_ids()  # parsed lazily by the bot: checked here so every command reports it alike
        loaded.admin_user_ids()
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, p['loc']))} (QABOT_{'_'.join(map(str, p['loc'])).upper()}): {p['msg']}"
            for p in e.errors()
        )
        raise fail(QabotError(f"Invalid setting: {problems}.")) from e
    except ValueError as e:
        raise fail(QabotError(f"Invalid setting: {e}.")) from e
    return loaded


def short_answer_lines(answer: Answer) -> list[str]:
    """The answer itself, shown before its cited body: one line per part of a two-part question; none when the
    engine gave no short answer or abstained."""
    if answer.abstained:
        return []
    parts = answer.short_answers or ((answer.short_answer,) if answer.short_answer else ())
    return [" ".join(part.split()) for part in parts if part.strip()]


# ---------------------------------------------------------------- input

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_in(text: str) -> str:
    """Text from argv or a text stream, made valid: bytes that were not UTF-8 (kept by Python as lone surrogates)
    become U+FFFD, so nothing downstream (the tokenizer, JSON) meets a string it cannot encode."""
    return _SURROGATE.sub("\ufffd", text)


def read_all(stream: IO[str]) -> str:
    """All of a text stream (stdin), invalid UTF-8 decoded with replacement characters."""
    raw = getattr(stream, "buffer", None)
    if raw is not None:
        return bytes(raw.read()).decode("utf-8", errors="replace")
    return text_in(stream.read())


def read_lines(stream: IO[str]) -> Iterator[str]:
    """The lines of a text stream (stdin) as they come, each decoded on its own: a line that is not UTF-8 gets
    replacement characters and the lines after it are still read."""
    raw = getattr(stream, "buffer", None)
    lines: Iterable[bytes | str] = raw if raw is not None else stream
    for line in lines:
        yield line.decode("utf-8", errors="replace") if isinstance(line, bytes) else text_in(line)


# ---------------------------------------------------------------- output of untrusted text

# ANSI/VT escape sequences (CSI ... final byte, OSC ... BEL/ST, other ESC sequences), C0 and C1 controls but tab and
# newline, DEL, and the bidirectional overrides that make a terminal show text in another order than it is.
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, e.g. a window title
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
MARKER = re.compile(r"\[\d+\]")
MAX_QUOTE_CHARS = 1200  # a quote longer than this is shown abridged ("…"); the whole passage is one command away


def clean(text: str) -> str:
    """Article text made safe for a terminal: escape sequences and control characters removed (newlines and tabs
    kept), so a file cannot move the cursor, recolour, retitle or clear the terminal it is printed on."""
    return _ESCAPE.sub("", text)


def one_line(text: str) -> str:
    """A title or date for a one-line label: line breaks and tabs become spaces, controls are removed."""
    return clean(_LINE_BREAKS.sub(" ", text))


def file_name(name: str) -> str:
    """A file name for a one-line label: control characters shown as escapes (\\n, \\x1b), so the label stays on its
    line and still names the file exactly."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in name)


def shorten(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its start cut at a word boundary with " …" after it."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    if space >= limit * 0.7:
        head = head[:space]
    return head.rstrip() + " …"


def shorten_quotes(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """An answer body (quotes, each followed by its [n] marker) with every quote over `limit` characters abridged."""
    pieces = re.split(f"({MARKER.pattern})", text)
    return "".join(
        p if MARKER.fullmatch(p) or len(p) <= limit else shorten(p, limit) + (" " if p[-1:].isspace() else "")
        for p in pieces
    )
