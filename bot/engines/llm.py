"""The optional LLM engine: a LangChain chat model writes the answer, the code owns the citations.

The model sees the retrieved passages numbered [1]..[n] inside a delimited data block and may cite
those numbers only. The code maps every cited number back to its passage, picks the sentence of that
passage that best supports the cited statement as a verbatim quote, and drops numbers that do not
exist. When the output cites nothing valid, the answer falls back to the extractive engine's.

Chat models, chosen by `llm:<kind>`:
  local   the packaged Qwen2.5-Coder-1.5B-Instruct GGUF through llama-cpp-python (`make llm`)
  openai  any OpenAI-compatible endpoint (langchain-openai)
  ollama  an Ollama server (langchain-ollama)
  fake    LangChain's FakeListChatModel, for tests and demos: `llm:fake` or `llm:fake:<reply>` or
          `llm:fake:["reply 1", "reply 2"]` (replies are cycled through)
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.engines.base import Draft, Engine, Evidence, Quote
from bot.language import content_words, is_instruction
from bot.phrases import NO_ANSWER
from prompts import Prompts, load_prompts
from retrieval.errors import EngineError, ModelMissing, QabotError
from retrieval.records import Conversation, Passage
from retrieval.registry import Registry

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from bot.settings import Settings

log = logging.getLogger(__name__)

ABSTAIN_PHRASE = NO_ANSWER
ANSWER_LABEL = "Answer:"  # the prompt asks for a line "Answer: <the answer itself>" per part of the question
MAX_SHORT_ANSWER = 160  # characters; a longer "short answer" is a sentence, not the answer itself
MAX_PASSAGES = 5  # the best-ranked passages shown to the model: bounds the prompt (~1k tokens on the seeds)

MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
LLAMA_CPP_PIN = "llama-cpp-python==0.3.36"
INSTALL_HINT = "Install it with `make llm` (or `qabot models install-llm`)."

# [2], [2, 3], [2][3], [Passage 2], [passages 2 and 3]
CITE = re.compile(r"\[\s*(?:passages?\s*)?(\d{1,3}(?:\s*(?:,|;|and|&)\s*(?:passage\s*)?\d{1,3})*)\s*\]", re.I)
# a statement: up to a sentence end, with the citation markers that directly follow it
STATEMENT = re.compile(r".+?(?:[.!?](?:\s*\[[^\]\n]{1,40}\])*(?=\s|$)|\n|$)", re.S)
DELIMITERS = re.compile(r"<\s*/?\s*(?:passages?|question|conversation|follow_up)\b[^>]*>?", re.I)
# a line that states the answer itself: "Answer: X", "**Answer:** X", "Answer 2: X"
SHORT_LINE = re.compile(r"^[\s*_#>-]*answer(?:\s*\d)?[\s*_]*:[\s*_]*(.*)$", re.I | re.M)
SEPARATOR = re.compile(r"^\s*(?:standalone question|rewritten question|question)\s*:\s*", re.I)


def make_llm_engine(
    kind: str, settings: Settings, *, chat: BaseChatModel | None = None, responses: Sequence[str] | None = None
) -> LLMEngine:
    """The LLM engine for `llm:<kind>`. `chat` overrides the chat model; `responses` scripts the fake one."""
    base = kind.partition(":")[0]
    if chat is None:
        chat = CHATS.make(kind, settings, responses)
    return LLMEngine(settings, chat, name=f"llm:{base}")


CHATS: Registry[BaseChatModel] = Registry("LLM engine", error=EngineError, prefix="llm:")
CHATS.add("local", lambda settings, responses: _local_chat(settings))
CHATS.add("openai", lambda settings, responses: _openai_chat(settings))
CHATS.add("ollama", lambda settings, responses: _ollama_chat(settings))
CHATS.add(  # a test double: works by name, not among the choices shown
    "fake",
    lambda arg, settings, responses: _fake_chat(responses if responses is not None else _fake_replies(arg)),
    hidden=True,
    takes_argument=True,
)


# --- the engine ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sentence:
    source: str
    start: int
    end: int
    row: int


class LLMEngine(Engine):
    def __init__(self, settings: Settings, chat: BaseChatModel, name: str = "llm", prompts: Prompts | None = None):
        self.settings = settings
        self.chat = chat
        self.name = name
        self.prompts = prompts or load_prompts()
        self._fallback: Engine | None = None
        self._fallback_lock = threading.Lock()

    # prompts

    def answer_messages(self, evidence: Evidence) -> list[BaseMessage]:
        """The messages sent to the model for one question: system rules, then the data blocks."""
        from langchain_core.messages import HumanMessage, SystemMessage

        blocks = [_passage_block(i, p) for i, p in enumerate(evidence.passages[:MAX_PASSAGES], 1)]
        return [
            SystemMessage(content=self.prompts.system.format(abstain_phrase=ABSTAIN_PHRASE)),
            HumanMessage(
                content=self.prompts.answer.format(
                    passages="\n\n".join(blocks),
                    question=_data(evidence.question),
                    abstain_phrase=ABSTAIN_PHRASE,
                    answer_label=ANSWER_LABEL,
                )
            ),
        ]

    def condense_messages(self, question: str, conversation: Conversation) -> list[BaseMessage]:
        from langchain_core.messages import HumanMessage

        lines = []
        for turn in conversation.turns[-3:]:
            said = CITE.sub("", turn.answer.text)
            said = said if len(said) <= 400 else said[:400].rsplit(" ", 1)[0] + " …"
            lines.append(f"User: {_data(turn.question)}\nAssistant: {_data(' '.join(said.split()))}")
        return [
            HumanMessage(content=self.prompts.condense.format(conversation="\n".join(lines), question=_data(question)))
        ]

    # the Engine interface

    def condense(self, question: str, conversation: Conversation) -> str | None:
        if not conversation.turns:
            return None
        reply = self._invoke(self.condense_messages(question, conversation), short=True)
        rewritten = _first_line(reply)
        if not rewritten or len(rewritten) > self.settings.max_question_chars or _is_abstention(rewritten):
            log.info("condense gave no usable question (%r): using the default rewriting", reply[:80])
            return None
        if not rewritten.endswith("?") and not re.match(
            r"(?i)(who|what|when|where|why|how|which|whom|whose|is|are|"
            r"was|were|do|does|did|can|could|has|have|had)\b",
            rewritten,
        ):
            log.info("condense answered instead of rewriting (%r): using the default rewriting", rewritten[:80])
            return None
        return rewritten

    def draft(self, evidence: Evidence) -> Draft:
        if not evidence.passages:
            return Draft(text=ABSTAIN_PHRASE, abstained=True, engine=self.name)
        if is_instruction(evidence.question):  # orders, not a question: refused in code, the model never sees them
            refusal = self._extractive().draft(evidence)
            refusal.engine = self.name
            return refusal
        reply = self._invoke(self.answer_messages(evidence)).strip()
        log.debug("%s replied: %r", self.name, reply)
        stated = [m.group(1).strip() for m in SHORT_LINE.finditer(reply)]
        body = SHORT_LINE.sub("", reply).strip()
        if _is_abstention(body or " ".join(stated)):
            return Draft(text=ABSTAIN_PHRASE, abstained=True, confidence=0.0, engine=self.name)
        if not CITE.search(body):  # the answer line was the only cited statement
            body = "\n".join([*stated, body]).strip()
        text, quotes, scores, cited = self._cite(body, evidence)
        if not quotes:
            log.info("%s cited no valid passage (%r): falling back to the extractive answer", self.name, reply[:300])
            fallback = self._extractive().draft(evidence)
            fallback.engine = f"{self.name}+extractive"
            return fallback
        confidence = max(0.0, min(1.0, sum(scores) / len(scores)))
        short = _short_answers(stated, [evidence.passages[n - 1] for n in sorted(cited)])
        return Draft(
            text=text, quotes=quotes, abstained=False, confidence=confidence, engine=self.name, short_answers=short
        )

    # internals

    def _invoke(self, messages: list[BaseMessage], short: bool = False) -> str:
        # a one-line reply (condense): cap the local model's tokens; remote clients keep their own limit
        kwargs: dict[str, Any] = (
            {"max_tokens": 64} if short and getattr(self.chat, "_llm_type", "") == "llama-cpp" else {}
        )
        try:
            result = self.chat.invoke(messages, **kwargs)
        except QabotError:
            raise
        except ImportError as e:
            raise EngineError(f"The {self.name} engine is missing a package ({e}).") from e
        except Exception as e:  # the client libraries raise many kinds; the user needs one message
            raise EngineError(f"The {self.name} model did not answer ({type(e).__name__}: {e}).") from e
        content = result.content
        if isinstance(content, list):  # content blocks
            content = "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content)
        return str(content)

    def _extractive(self) -> Engine:
        with self._fallback_lock:
            if self._fallback is None:
                from bot.engines.extractive import ExtractiveEngine

                self._fallback = ExtractiveEngine(self.settings)
            return self._fallback

    def _cite(self, reply: str, evidence: Evidence) -> tuple[str, list[Quote], list[float], set[int]]:
        """Rewrite passage numbers into quote numbers; each quote is the passage sentence that best
        supports the statement citing it. Numbers that name no passage are dropped. Also returns the
        numbers of the passages validly cited."""
        cited: set[int] = set()
        quotes: list[Quote] = []
        scores: list[float] = []
        numbers: dict[Quote, int] = {}
        out: list[str] = []
        question_words = content_words(evidence.question)
        for statement_match in STATEMENT.finditer(reply):
            segment = statement_match.group(0)
            statement = CITE.sub(" ", segment)
            words = content_words(statement)

            def replace(match: re.Match[str], words: set[str] = words) -> str:
                markers = []
                for n in (int(x) for x in re.findall(r"\d+", match.group(1))):
                    if not 1 <= n <= min(len(evidence.passages), MAX_PASSAGES):
                        log.info("dropping invented citation [%d] (%d passages shown)", n, MAX_PASSAGES)
                        continue
                    best = _best_sentence(evidence, evidence.passages[n - 1], words, question_words)
                    if best is None:
                        continue
                    cited.add(n)
                    sentence, score = best
                    quote = Quote(sentence.source, sentence.start, sentence.end)
                    if quote not in numbers:
                        quotes.append(quote)
                        scores.append(score)
                        numbers[quote] = len(quotes)
                    marker = f"[{numbers[quote]}]"
                    if marker not in markers:
                        markers.append(marker)
                return "".join(markers)

            out.append(CITE.sub(replace, segment))
        text = re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()
        return text, quotes, scores, cited


def _short_answers(stated: list[str], cited: list[Passage]) -> tuple[str, ...]:
    """The answers the model stated on its "Answer:" lines, each as it appears in a passage it cited (found
    case-insensitively, between word boundaries). If any one is not found there, none: never a made-up answer."""
    found: list[str] = []
    texts = [" ".join(p.chunk.text.split()) for p in cited]
    for raw in stated:
        answer = " ".join(CITE.sub(" ", raw).split()).strip("*_`\"'“”‘’ ").rstrip(".;,").strip()
        if not answer or len(answer) > MAX_SHORT_ANSWER or _is_abstention(answer):
            return ()
        pattern = re.compile(rf"(?<!\w){re.escape(answer)}(?!\w)", re.I)
        match = next((m for text in texts if (m := pattern.search(text))), None)
        if match is None:
            log.info("dropping the short answer %r: no cited passage says it", answer)
            return ()
        found.append(match.group(0))  # the passage's own spelling
    return tuple(found)


def _best_sentence(
    evidence: Evidence, passage: Passage, words: set[str], question_words: set[str]
) -> tuple[_Sentence, float] | None:
    """The passage sentence sharing most content words with the statement, then closest to the query."""
    chunk = passage.chunk
    article = evidence.index.articles.get(chunk.source)
    if article is None:
        return None
    vectors = evidence.index.vectors
    best: tuple[float, _Sentence, float] | None = None
    for i, span in enumerate(chunk.sentences):
        text = article.text[span.start : span.end]
        if not text.strip():
            continue
        row = chunk.first_sentence + i
        dense = float(vectors[row] @ evidence.qvec) if 0 <= row < len(vectors) else 0.0
        have = content_words(text)
        lexical = len(words & have) / len(words) if words else 0.0
        asked = len(question_words & have) / len(question_words) if question_words else 0.0
        rank = lexical + 0.3 * asked + 0.2 * dense
        if best is None or rank > best[0]:
            best = (rank, _Sentence(chunk.source, span.start, span.end, row), dense)
    if best is None:
        return None
    return best[1], best[2]


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower().replace("’", "'").replace("'", "")).split())


def _is_abstention(reply: str) -> bool:
    """The fixed phrase, alone or leading the reply with no citation after it."""
    said, phrase = _normal(reply), _normal(ABSTAIN_PHRASE)
    variants = (
        phrase,
        "the articles do not say",
        "the passages dont say",
        "the passages do not say",
        "the passages do not answer",
        "the passages dont answer",
    )
    return any(said == v or (said.startswith(v) and not CITE.search(reply)) for v in variants)


def _first_line(reply: str) -> str:
    for line in reply.strip().splitlines():
        line = SEPARATOR.sub("", line.strip()).strip().strip("\"'“”`* ").strip()
        if line:
            return line
    return ""


def _data(text: str) -> str:
    """Text bound for a data block: tags that could close or open a block are defused."""
    return DELIMITERS.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


def _passage_block(n: int, passage: Passage) -> str:
    head = f"[{n}] {_data(passage.title)}" + (f" ({passage.date})" if passage.date else "")
    return f"{head}\n{_data(passage.chunk.text.strip())}"


# --- chat models --------------------------------------------------------------------------------------


def _fake_replies(arg: str) -> list[str]:
    if not arg:
        return ["According to the passages, [1]."]
    if arg.lstrip().startswith("["):
        try:
            replies = json.loads(arg)
        except json.JSONDecodeError as e:
            raise EngineError(f"llm:fake: the replies are not a JSON list of strings ({e}).") from e
        if not isinstance(replies, list) or not replies or not all(isinstance(r, str) for r in replies):
            raise EngineError("llm:fake: the replies must be a non-empty JSON list of strings.")
        return replies
    return [arg]


def _fake_chat(responses: Sequence[str]) -> BaseChatModel:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    if not responses:
        raise EngineError("llm:fake needs at least one scripted reply.")
    return FakeListChatModel(responses=list(responses))


def _openai_chat(settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as e:
        raise EngineError("The llm:openai engine needs langchain-openai: `pip install langchain-openai==1.7.3`.") from e
    from pydantic import SecretStr

    key = settings.openai_api_key.get_secret_value() or "not-set"  # local servers often want no key
    return ChatOpenAI(
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        api_key=SecretStr(key),
        temperature=0,
        max_completion_tokens=settings.llm_max_tokens,
        timeout=120,
        max_retries=1,
    )


def _ollama_chat(settings: Settings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as e:
        raise EngineError("The llm:ollama engine needs langchain-ollama: `pip install langchain-ollama==1.1.0`.") from e
    return ChatOllama(
        model=settings.ollama_model,
        base_url=settings.ollama_base_url,
        temperature=0,
        num_predict=settings.llm_max_tokens,
    )


def verify_model_file(path: Path, full: bool = False) -> None:
    """ModelMissing unless `path` is the packaged model: size always, SHA-256 once (then a marker
    next to the file remembers it for that size and mtime) or every time with `full`."""
    if not path.is_file():
        raise ModelMissing(f"The local LLM is not installed (no file at {path}). {INSTALL_HINT}")
    stat = path.stat()
    if stat.st_size != MODEL_SIZE:
        raise ModelMissing(
            f"The local LLM at {path} has {stat.st_size:,} bytes, not {MODEL_SIZE:,}: it is incomplete or "
            f"another file. Delete it and reinstall: {INSTALL_HINT}"
        )
    marker = _marker(path)
    if not full and marker.is_file() and marker.read_text(encoding="utf-8").strip() == _stamp(path):
        return
    digest = sha256_of(path)
    if digest != MODEL_SHA256:
        raise ModelMissing(
            f"The local LLM at {path} does not match its pinned SHA-256 ({digest[:12]}… is not "
            f"{MODEL_SHA256[:12]}…). Delete it and reinstall: {INSTALL_HINT}"
        )
    remember_verified(path)


def remember_verified(path: Path) -> None:
    """Note next to the model that it matched the hash, for this size and mtime."""
    marker = _marker(path)
    try:
        marker.write_text(_stamp(path) + "\n", encoding="utf-8")
    except OSError:
        log.info("cannot write %s; the model will be hashed again next time", marker)


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{MODEL_SHA256} {stat.st_size} {stat.st_mtime_ns}"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _local_chat(settings: Settings) -> BaseChatModel:
    path = Path(settings.llm_model_path)
    verify_model_file(path)
    try:
        import llama_cpp  # noqa: F401
    except ImportError as e:
        raise EngineError(
            f"The llm:local engine needs llama-cpp-python: `CMAKE_ARGS=-DGGML_NATIVE=OFF pip install {LLAMA_CPP_PIN}` "
            f"(compiles for ~6 min), or {INSTALL_HINT[0].lower() + INSTALL_HINT[1:]}"
        ) from e
    chat_class: Any = _llama_chat_class()
    return chat_class(model_path=str(path), n_threads=settings.llm_threads, max_tokens=settings.llm_max_tokens)


def _llama_chat_class() -> type[BaseChatModel]:
    """A LangChain chat model over llama_cpp.Llama's chat completion (the GGUF's own chat template).
    Defined on first use so importing this module never needs langchain's model classes."""
    from langchain_core.callbacks import CallbackManagerForLLMRun
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult
    from pydantic import ConfigDict, PrivateAttr

    class LlamaCppChat(BaseChatModel):
        """Greedy decoding, one call at a time (a llama.cpp context is not thread-safe)."""

        model_config = ConfigDict(arbitrary_types_allowed=True)

        model_path: str
        n_ctx: int = 4096
        n_threads: int = 2
        max_tokens: int = 320
        temperature: float = 0.0
        _llama: Any = PrivateAttr(default=None)
        _lock: Any = PrivateAttr(default_factory=threading.Lock)

        @property
        def _llm_type(self) -> str:
            return "llama-cpp"

        @property
        def _identifying_params(self) -> dict[str, Any]:
            return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

        def _load(self) -> Any:
            if self._llama is None:
                from llama_cpp import Llama

                log.info("loading %s", self.model_path)
                self._llama = Llama(
                    model_path=self.model_path,
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    n_batch=512,
                    seed=0,
                    verbose=False,
                )
            return self._llama

        def _generate(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: CallbackManagerForLLMRun | None = None,
            **kwargs: Any,
        ) -> ChatResult:
            roles = {"system": "system", "human": "user", "ai": "assistant"}
            chat = [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]
            with self._lock:
                result = self._load().create_chat_completion(
                    messages=chat,
                    max_tokens=int(kwargs.get("max_tokens") or self.max_tokens),
                    temperature=self.temperature,
                    stop=stop,
                )
            choice = result["choices"][0]
            usage = result.get("usage") or {}
            message = AIMessage(
                content=choice["message"].get("content") or "",
                usage_metadata={
                    "input_tokens": int(usage.get("prompt_tokens", 0)),
                    "output_tokens": int(usage.get("completion_tokens", 0)),
                    "total_tokens": int(usage.get("total_tokens", 0)),
                },
            )
            return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"usage": usage})

    return LlamaCppChat
