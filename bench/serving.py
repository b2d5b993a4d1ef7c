"""Serving figure: answers per second and latency of 1 and 2 webhook workers (`qabot telegram serve`).

Real processes on loopback: N workers sharing one redis-server, their replies going to the fake Bot API
(tests/fake_bot_api.py, so this runs from a checkout), and a bounded burst of questions from distinct chats POSTed
the way Telegram delivers updates (several parallel connections, spread over the workers like a load balancer).
A worker answers an update before its 200 goes back, so one POST's duration is that update's latency.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import rate, ratio, summarise

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = Path(__file__).with_name("questions.txt")
SECRET = "bench-secret"
TOKEN = "123456:BENCH-token"


@dataclass(frozen=True)
class ServingOptions:
    workers: tuple[int, ...] = (1, 2)
    burst: int = 80  # questions per run, each from its own chat
    rounds: int = 3  # runs per worker count, interleaved (1, 2, 1, 2, ...): the machine's noise hits both alike
    connections: int = 8  # POSTs in flight at once (Telegram opens up to 40)
    work: Path | None = None  # corpus index and Redis files (default: a temp folder)
    embedder: str = "minilm"  # the default path; "hash" for a quick check
    query_threads: int = 1  # per worker: two workers on two cores get one each


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throw-away redis-server on a free loopback port (no persistence); its redis:// URL."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    command += ["--save", "", "--appendonly", "no"]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 20
        try:
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"redis-server did not start on port {port}") from None
                    time.sleep(0.05)
            client.close()
            yield f"redis://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _fake_bot_api() -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from tests.fake_bot_api import FakeBotAPI
    except ImportError as exc:
        raise RuntimeError("the serving benchmark needs tests/fake_bot_api.py: run it from a qabot checkout") from exc
    return FakeBotAPI(token=TOKEN)


def _qabot() -> list[str]:
    script = Path(sys.executable).with_name("qabot")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import main; main()"]


def _post(url: str, update: dict[str, Any], timeout: float = 120.0) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def _workers(count: int, env: dict[str, str], cwd: Path) -> Iterator[list[str]]:
    """`count` workers, each on its own port; their base URLs once every one answers /health."""
    ports = [free_port() for _ in range(count)]
    procs = [
        subprocess.Popen(
            [*_qabot(), "telegram", "serve", "--listen", f"127.0.0.1:{port}"],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 180
        for proc, url in zip(procs, urls, strict=True):
            while not _healthy(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"a worker exited with {proc.returncode}: {proc.communicate()[1][-2000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError("a worker did not come up within 180 s")
                time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _burst(api: Any, urls: list[str], questions: list[str], chats: Iterator[int], connections: int) -> dict[str, Any]:
    """POST one question per chat, spread round-robin over the workers, `connections` at a time."""
    updates = [api.push({"message": api.make_message(next(chats), q)}) for q in questions]
    sent_before = len(api.sent())

    def deliver(i: int) -> tuple[int, float]:
        started = time.perf_counter()
        status = _post(f"{urls[i % len(urls)]}/telegram", updates[i])
        return status, (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        results = list(pool.map(deliver, range(len(updates))))
    seconds = time.perf_counter() - started
    replies = len(api.sent()) - sent_before
    return {
        "questions": len(updates),
        "ok": sum(status == 200 for status, _ in results),
        "replies": replies,
        "seconds": round(seconds, 3),
        "answers_per_s": rate(replies, seconds),
        "ms": [ms for _, ms in results],
    }


def _combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one worker count: the median rate, latency over every POST, every reply counted."""
    return {
        "questions": sum(r["questions"] for r in runs),
        "ok": sum(r["ok"] for r in runs),
        "replies": sum(r["replies"] for r in runs),
        "answers_per_s": float(statistics.median(r["answers_per_s"] or 0.0 for r in runs)),
        "answers_per_s_runs": [r["answers_per_s"] for r in runs],
        "latency_ms": summarise([ms for r in runs for ms in r["ms"]]),
    }


def run_serving(options: ServingOptions, log: Callable[[str], None]) -> dict[str, Any]:
    """The serving figure for each worker count in `options.workers`, side by side in one run."""
    import tempfile

    questions = [q for q in QUESTIONS.read_text().splitlines() if q.strip()]
    burst = list(itertools.islice(itertools.cycle(questions), options.burst))
    chats = itertools.count(10_000)
    with contextlib.ExitStack() as stack:
        work = options.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qabot-serving-")))
        work.mkdir(parents=True, exist_ok=True)
        api = stack.enter_context(_fake_bot_api())
        redis_url = stack.enter_context(redis_server(work))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QABOT_"))}
        env.update(
            NO_PROXY="127.0.0.1,localhost",
            HF_HUB_OFFLINE="1",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            QABOT_EMBEDDER=options.embedder,
            QABOT_QUERY_THREADS=str(options.query_threads),
            QABOT_INDEX_DIR=str(work / "index"),
            QABOT_CORPUS=str(ROOT / "seeds"),
            QABOT_STATE_URL=f"{redis_url}/0",
            QABOT_TELEGRAM_RATE_LIMIT="0",
        )
        log("serving: building the index of seeds/")
        subprocess.run([*_qabot(), "index"], cwd=work, env=env, check=True, capture_output=True)
        runs: dict[int, list[dict[str, Any]]] = {count: [] for count in options.workers}
        # the most workers needed, started once; a run with fewer sends to the first ones only (the rest stay idle)
        with _workers(max(options.workers), env, work) as urls:
            _burst(api, urls, questions * len(urls), chats, options.connections)  # warm every worker
            for round_ in range(options.rounds):
                for count in options.workers:
                    log(f"serving: round {round_ + 1}/{options.rounds}, {count} worker(s), {options.burst} questions "
                        f"over {options.connections} connections")  # fmt: skip
                    runs[count].append(_burst(api, urls[:count], burst, chats, options.connections))
        figures = {str(count): _combine(found) for count, found in runs.items()}
        rates = {k: v["answers_per_s"] for k, v in figures.items()}
        return {
            "cores": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "embedder": options.embedder,
            "query_threads_per_worker": options.query_threads,
            "burst": options.burst,
            "rounds": options.rounds,
            "connections": options.connections,
            "workers": figures,
            "speedup_2_over_1": ratio(rates.get("2"), rates.get("1"), 2),
        }


def to_markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Serving ({results['rounds']} rounds of {results['burst']} questions from distinct chats, "
        f"{results['connections']} connections, "
        f"{results['embedder']} embedder, {results['cores']} cores, load {results['load_average']})",
        "",
        "| workers | answers/s (median) | p50 ms | p95 ms | replies |",
        "|---|---|---|---|---|",
    ]
    for count, f in results["workers"].items():
        lat = f["latency_ms"]
        lines.append(f"| {count} | {f['answers_per_s']} | {lat['p50']:.0f} | {lat['p95']:.0f} | "
                     f"{f['replies']}/{f['questions']} |")  # fmt: skip
    lines.append(f"\n2 workers / 1 worker: {results['speedup_2_over_1']}x answers per second (medians of the rounds)")
    return "\n".join(lines)
