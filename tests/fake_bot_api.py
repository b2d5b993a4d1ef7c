"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the bot (stdlib only).

A real python-telegram-bot Application talks HTTP to it: `ApplicationBuilder().base_url(api.base_url)`.
It implements what the bot uses (getMe, deleteWebhook, setWebhook, getUpdates with offset and long-poll
timeout, sendMessage, sendChatAction, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
setMyCommands, getMyCommands, getFile and file downloads, close, logOut), answers unknown methods with 404
and a wrong token with 401, rejects what Telegram rejects (empty or too long text, bad HTML markup) with its
400s, can inject faults per method (429 with retry_after, 5xx, slow replies, any 400) and records every request
for assertions.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote

T = TypeVar("T")

TOKEN = "123456:TEST-token-SECRET-do-not-log"
BOT_ID = 123456
BOT_USERNAME = "qabot_test_bot"
MAX_TEXT = 4096
# https://core.telegram.org/bots/api#html-style
HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji", "code", "pre",
    "blockquote",
}  # fmt: skip
JSON_FIELDS = {"reply_markup", "reply_parameters", "commands", "allowed_updates", "entities", "scope"}


@dataclass
class Request:
    method: str
    params: dict[str, Any]
    token: str
    at: float
    status: int = 0  # the HTTP status the fake answered with


@dataclass
class Fault:
    status: int = 0  # 0: no error, only the delay
    delay: float = 0.0
    retry_after: int | None = None
    description: str = ""
    match: Callable[[dict[str, Any]], bool] | None = None  # only requests with these params


@dataclass
class SentMessage:
    message_id: int
    chat_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    reply_to: int | None
    edits: list[str] = field(default_factory=list)


class TelegramHTMLError(ValueError):
    pass


def parse_html(markup: str) -> str:
    """What Telegram shows for HTML-mode text; TelegramHTMLError where Telegram would refuse the markup."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(markup):
        ch = markup[i]
        if ch == "<":
            end = markup.find(">", i)
            if end < 0:
                raise TelegramHTMLError(f"Unclosed start tag at byte offset {i}")
            tag = re.fullmatch(r"<\s*(/?)\s*([a-zA-Z][\w-]*)([^<>]*)>", markup[i : end + 1])
            if not tag:
                raise TelegramHTMLError(f'Unsupported start tag "{markup[i + 1 : end]}" at byte offset {i}')
            closing, name = tag.group(1), tag.group(2).lower()
            if name not in HTML_TAGS:
                raise TelegramHTMLError(f'Unsupported start tag "{name}" at byte offset {i}')
            if closing:
                if not stack or stack[-1] != name:
                    raise TelegramHTMLError(f'Unmatched end tag at byte offset {i}, expected "</{name}>"')
                stack.pop()
            else:
                stack.append(name)
            i = end + 1
        elif ch == "&":
            entity = re.match(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);", markup[i:])
            if not entity:
                raise TelegramHTMLError(f"Unsupported HTML entity at byte offset {i}")
            out.append(html.unescape(entity.group(0)))
            i += len(entity.group(0))
        else:
            out.append(ch)
            i += 1
    if stack:
        raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TelegramError400(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class FakeBotAPI:
    def __init__(self, token: str = TOKEN, bot_id: int = BOT_ID, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "QA Test Bot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.requests: list[Request] = []
        self.messages: dict[int, SentMessage] = {}
        self.commands: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, bytes] = {}  # file_id -> content, downloadable after getFile
        self._faults: dict[str, list[Fault]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._user_message_ids = itertools.count(1)
        self._cond = threading.Condition()
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeBotAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                api._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-bot-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # what tests do

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def fail(
        self,
        method: str,
        status: int = 0,
        times: int = 1,
        delay: float = 0.0,
        retry_after: int | None = None,
        description: str = "",
        match: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """The next `times` calls of `method` (matching `match`) get this fault (status 0: only the delay)."""
        with self._cond:
            for _ in range(times):
                self._faults.setdefault(method, []).append(Fault(status, delay, retry_after, description, match))

    def clear_faults(self) -> None:
        """Forget the faults not injected yet: the server works normally again."""
        with self._cond:
            self._faults.clear()

    def calls(self, method: str | None = None, ok: bool | None = None, **params: Any) -> list[Request]:
        """Recorded requests, filtered by method, success and parameter values (compared as strings)."""
        with self._cond:
            found = list(self.requests)
        return [
            r
            for r in found
            if (method is None or r.method == method)
            and (ok is None or (r.status == 200) == ok)
            and all(str(r.params.get(k)) == str(v) for k, v in params.items())
        ]

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent successfully, in order, optionally to one chat."""
        with self._cond:
            found = sorted(self.messages.values(), key=lambda m: m.message_id)
        return [m for m in found if chat_id is None or m.chat_id == chat_id]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """The visible text of the bot's messages (HTML parsed the way Telegram shows it)."""
        return [parse_html(m.text) if m.parse_mode == "HTML" else m.text for m in self.sent(chat_id)]

    def wait_for(self, check: Callable[[], T], timeout: float = 10.0, what: str = "") -> T:
        """Poll `check` until it returns something truthy; AssertionError with the request log if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or check}; last requests:\n{self.log()}")
            with self._cond:
                self._cond.wait(0.02)

    async def until(self, check: Callable[[], T], timeout: float = 10.0, what: str = "") -> T:
        """`wait_for` for tests whose Application runs on the same event loop (sleeps without blocking it)."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or check}; last requests:\n{self.log()}")
            await asyncio.sleep(0.02)

    async def until_sent(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[SentMessage]:
        """At least `count` messages sent to the chat (all of them, in order)."""

        def enough() -> list[SentMessage]:
            sent = self.sent(chat_id)
            return sent if len(sent) >= count else []

        return await self.until(enough, timeout, f"{count} message(s) to chat {chat_id}")

    def log(self, last: int = 40) -> str:
        with self._cond:
            found = self.requests[-last:]
        return "\n".join(f"  {r.status} {r.method} {r.params}" for r in found)

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # building updates

    def user(self, user_id: int, name: str = "Tester") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "username": f"user{user_id}"}

    def chat(self, chat_id: int, chat_type: str | None = None) -> dict[str, Any]:
        chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Tester"
        else:
            chat["title"] = f"Group {chat_id}"
        return chat

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        user_id: int | None = None,
        reply_to: int | None = None,
        edited: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """A user's message, pushed as an update for getUpdates."""
        msg = self.make_message(chat_id, text, user_id, reply_to, edited, **extra)
        return self.push({"edited_message" if edited else "message": msg})

    def make_message(
        self,
        chat_id: int,
        text: str | None = None,
        user_id: int | None = None,
        reply_to: int | None = None,
        edited: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """A user's Message object. Commands and @mentions get their entities as Telegram sends them."""
        user_id = user_id if user_id is not None else abs(chat_id)
        msg: dict[str, Any] = {
            "message_id": next(self._user_message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": self.user(user_id),
            **extra,
        }
        if text is not None:
            msg["text"] = text
            entities = []
            for m in re.finditer(r"(?<!\S)/[A-Za-z0-9_]+(?:@\w+)?|@\w+", text):
                kind = "bot_command" if m.group(0).startswith("/") else "mention"
                if kind == "bot_command" and m.start() != 0:
                    continue
                offset = utf16_len(text[: m.start()])
                entities.append({"type": kind, "offset": offset, "length": utf16_len(m.group(0))})
            if entities:
                msg["entities"] = entities
        if reply_to is not None:
            replied = self.messages.get(reply_to)
            msg["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(time.time()),
                "chat": self.chat(chat_id),
                "from": self.bot_user if replied else self.user(user_id),
                "text": replied.text if replied else "earlier message",
            }
        if edited:
            msg["edit_date"] = int(time.time())
        return msg

    def callback(self, chat_id: int, message_id: int, data: str, user_id: int | None = None) -> dict[str, Any]:
        user_id = user_id if user_id is not None else abs(chat_id)
        sent = self.messages.get(message_id)
        sent = sent if sent is not None and sent.chat_id == chat_id else None
        return self.push(
            {
                "callback_query": {
                    "id": f"cb{next(self._update_ids)}",
                    "from": self.user(user_id),
                    "chat_instance": str(chat_id),
                    "data": data,
                    "message": self._message_json(sent)
                    if sent
                    else {"message_id": message_id, "date": 0, "chat": self.chat(chat_id)},
                }
            }
        )

    # the HTTP side

    def document(self, chat_id: int, file_name: str, data: bytes, user_id: int | None = None) -> dict[str, Any]:
        """A user sends a file: its content waits for getFile and the download, the message is pushed."""
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = data
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name, "file_size": len(data)}
        return self.message(chat_id, None, user_id=user_id, document=document)

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = unquote(req.path.split("?")[0])  # file downloads come URL-quoted (':' as %3A)
        download = re.fullmatch(r"/file/bot([^/]+)/documents/(\w+)", path)
        if download:
            data = self.files.get(download.group(2)) if download.group(1) == self.token else None
            with self._cond:
                self.requests.append(Request("download", {"file_id": download.group(2)}, download.group(1), 0, 200))
            if data is None:
                self._respond(req, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._respond(req, 200, data)
            return
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", req.path.split("?")[0])
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        if not match:
            self._respond(req, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.group(1), match.group(2)
        params = self._params(req.headers.get("Content-Type") or "", body)
        record = Request(method, params, token, time.monotonic())
        with self._cond:
            self.requests.append(record)
            fault = self._take_fault(method, params)
        if fault and fault.delay:
            time.sleep(fault.delay)
        status, payload = self._answer(token, method, params, fault)
        record.status = status
        self._respond(req, status, payload)
        with self._cond:
            self._cond.notify_all()

    @staticmethod
    def _params(content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if "json" in content_type:
            return dict(json.loads(body))
        params: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
        for key in JSON_FIELDS & params.keys():
            params[key] = json.loads(params[key])
        return params

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for i, fault in enumerate(self._faults.get(method, [])):
            if fault.match is None or fault.match(params):
                return self._faults[method].pop(i)
        return None

    def _respond(self, req: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json" if not isinstance(payload, bytes) else "text/html")
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a cancelled long poll)
            pass

    def _answer(self, token: str, method: str, params: dict[str, Any], fault: Fault | None) -> tuple[int, Any]:
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if fault and fault.status:
            if fault.status == 429:
                retry = fault.retry_after or 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry}",
                    "parameters": {"retry_after": retry},
                }
            if fault.status >= 500:  # what Telegram's front proxy sends: an HTML page
                return fault.status, b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            return fault.status, {"ok": False, "error_code": fault.status, "description": fault.description}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except TelegramError400 as exc:
            return 400, {"ok": False, "error_code": 400, "description": exc.description}

    # methods

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands = list(params.get("commands") or [])
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands

    def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise TelegramError400("Bad Request: invalid file_id")
        size = len(self.files[file_id])
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": f"documents/{file_id}",
        }

    def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 30.0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if offset:  # confirms (drops) every update below the offset, as Telegram does
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._closing:
                    return self._updates[:limit]
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(min(left, 0.1))

    def _check_text(self, params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            try:
                visible = parse_html(text)
            except TelegramHTMLError as exc:
                raise TelegramError400(f"Bad Request: can't parse entities: {exc}") from exc
        else:
            visible = text
        if not visible.strip():
            raise TelegramError400("Bad Request: message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            raise TelegramError400("Bad Request: message is too long")
        return text

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        text = self._check_text(params)
        reply = params.get("reply_parameters") or {}
        with self._cond:
            message = SentMessage(
                message_id=next(self._message_ids),
                chat_id=int(params["chat_id"]),
                text=text,
                parse_mode=params.get("parse_mode"),
                reply_markup=params.get("reply_markup"),
                reply_to=reply.get("message_id") or params.get("reply_to_message_id"),
            )
            self.messages[message.message_id] = message
        return self._message_json(message)

    def _find(self, params: dict[str, Any]) -> SentMessage:
        message = self.messages.get(int(params.get("message_id") or 0))
        if message is None or message.chat_id != int(params.get("chat_id") or 0):
            raise TelegramError400("Bad Request: message to edit not found")
        return message

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        message = self._find(params)
        text = self._check_text(params)
        if text == message.text and params.get("reply_markup") == message.reply_markup:
            raise TelegramError400("Bad Request: message is not modified")
        message.edits.append(message.text)
        message.text, message.parse_mode = text, params.get("parse_mode")
        message.reply_markup = params.get("reply_markup")
        return self._message_json(message)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self._find(params)
        markup = params.get("reply_markup") or None
        if markup == message.reply_markup:
            raise TelegramError400("Bad Request: message is not modified")
        message.reply_markup = markup
        return self._message_json(message)

    def _message_json(self, message: SentMessage | None) -> dict[str, Any]:
        assert message is not None
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self.chat(message.chat_id),
            "from": self.bot_user,
            "text": parse_html(message.text) if message.parse_mode == "HTML" else message.text,
        }
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data
