"""Webhook workers: an ASGI app (starlette, served by uvicorn) in front of an Application built without an Updater.

POST /telegram takes Telegram's update POSTs: the `X-Telegram-Bot-Api-Secret-Token` header must match the secret
(401 without it, 403 when wrong; nothing is processed). A worker claims each update in the store shared by every
worker: a copy delivered while another worker is on it gets 503 (Telegram delivers it again later), a copy of an
update already handled is acknowledged and dropped. The update is processed before the 200 goes back, so one a
worker could not finish (it stopped, the store was down) is redelivered by Telegram, and the claim of a worker that
died expires. GET /health says the worker is up.

A worker never calls setWebhook: `qabot telegram set-webhook URL` registers the URL and secret once, at deploy time.
On SIGTERM uvicorn stops accepting connections, finishes the requests in flight, then the Application shuts down.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.telegram.state import ChatStore

log = logging.getLogger(__name__)

PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

App = Any  # telegram.ext.Application


def make_asgi(app: App, store: ChatStore, secret: str, path: str = PATH) -> Starlette:
    """The worker's ASGI app: the webhook endpoint at `path` and GET /health."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return PlainTextResponse("missing secret token", status_code=401)
        if not hmac.compare_digest(given.encode(), expected):
            return PlainTextResponse("wrong secret token", status_code=403)
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("no integer update_id")
            update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("refused a webhook body that is not an update: %s", exc)
            return PlainTextResponse("not a Telegram update", status_code=400)
        claim = await store.claim(update.update_id)
        if claim == "done":
            log.info("update %s was already handled: acknowledged, not answered again", update.update_id)
            return PlainTextResponse("duplicate")
        if claim == "busy":  # another worker is on it: Telegram delivers it again later, by then it is done
            log.info("update %s is being handled elsewhere: asked to deliver it again later", update.update_id)
            return PlainTextResponse("being handled", status_code=503, headers={"Retry-After": "5"})
        await app.update_processor.process_update(update, app.process_update(update))
        await store.finish(update.update_id)
        return PlainTextResponse("ok")

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "bot": app.bot.username})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await app.initialize()
        await app.start()
        try:
            yield
        finally:
            await app.stop()
            await app.shutdown()
            await store.close()

    return Starlette(
        routes=[Route(path, receive, methods=["POST"]), Route("/health", health, methods=["GET"])], lifespan=lifespan
    )


def serve(asgi: Starlette, host: str, port: int) -> None:
    """Run one worker until SIGTERM or Ctrl-C; returns after the requests in flight are answered."""
    import uvicorn

    config = uvicorn.Config(asgi, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    # uvicorn handles both signals while it runs and raises them again once it stopped: by then they mean nothing
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: None)
    try:
        server.run()
    except SystemExit:  # uvicorn's way of saying it could not start (it logged why)
        server.started = False
    if not server.started:
        raise OSError(f"could not listen on {host}:{port} (in use, or not an address of this machine)")


def run_single_webhook(
    app: App, store: ChatStore, listen: str, port: int, url: str, path: str, secret: str, allowed: list[str]
) -> None:
    """python-telegram-bot's own webhook server, one process: it registers `url` (setWebhook) at every start.
    For several workers use `qabot telegram serve` instead."""

    async def close_store(_: App) -> None:
        await store.close()

    app.post_shutdown = close_store
    app.run_webhook(
        listen=listen, port=port, url_path=path, webhook_url=url, secret_token=secret, allowed_updates=allowed
    )
