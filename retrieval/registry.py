"""Named implementations: one small registry per kind of part (vector stores, embedders, index types,
engines), a dict from name to factory. A settings string picks one; a name it does not know gets a
one-line error that lists the choices. Test doubles are registered `hidden`: they work by name, but the
choices a user is shown leave them out.

A name may take an argument after a colon ("llm:openai") when its factory is registered with
`takes_argument`; a `fallback` factory takes any other name (an embedder's model name or path).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from retrieval.errors import QabotError

T = TypeVar("T")


class UnknownChoice(QabotError, ValueError):
    """A settings string names no registered implementation."""


@dataclass
class Registry(Generic[T]):
    kind: str  # what the error calls it: "vector store", "embedder", ...
    error: type[Exception] = UnknownChoice
    fallback: Callable[..., T] | None = None  # takes (name, *args) for a name not registered
    prefix: str = ""  # how users write the names, when they come after another's ("llm:" + "local")
    _factories: dict[str, tuple[Callable[..., T], bool]] = field(default_factory=dict)  # name -> (factory, takes arg)
    _hidden: set[str] = field(default_factory=set)

    def register(self, name: str, *, hidden: bool = False, takes_argument: bool = False) -> Callable:
        """Decorator: `@STORES.register("faiss")` over a factory."""

        def add(factory: Callable[..., T]) -> Callable[..., T]:
            self.add(name, factory, hidden=hidden, takes_argument=takes_argument)
            return factory

        return add

    def add(self, name: str, factory: Callable[..., T], *, hidden: bool = False, takes_argument: bool = False) -> None:
        self._factories[name] = (factory, takes_argument)
        if hidden:
            self._hidden.add(name)

    def choices(self) -> list[str]:
        """The names a user is shown (test doubles left out)."""
        return [name for name in self._factories if name not in self._hidden]

    def make(self, spec: str, *args: Any, **kwargs: Any) -> T:
        """The implementation `spec` names, made with the factory's arguments."""
        if spec in self._factories and not self._factories[spec][1]:
            return self._factories[spec][0](*args, **kwargs)
        name, _, argument = spec.partition(":")
        entry = self._factories.get(name)
        if entry is not None and entry[1]:
            return entry[0](argument, *args, **kwargs)
        if self.fallback is not None and entry is None:
            return self.fallback(spec, *args, **kwargs)
        raise self.error(self.unknown(spec))

    def unknown(self, spec: str) -> str:
        shown = [self.prefix + (f"{name}:…" if self._factories[name][1] else name) for name in self.choices()]
        return f"Unknown {self.kind} {self.prefix + spec!r}. Choose one of: {', '.join(shown)}."
