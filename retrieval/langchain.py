"""qabot's hybrid search behind LangChain's retriever interface."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.search import Retriever


class QabotRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # a retrieval.search.Retriever (kept loose for pydantic)
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        engine: Retriever = self.retriever
        return [
            Document(
                page_content=p.chunk.text,
                metadata={
                    "source": p.chunk.source,
                    "title": p.title,
                    "date": p.date,
                    "line_start": p.chunk.line_start,
                    "line_end": p.chunk.line_end,
                    "rank": p.rank,
                    "score": p.score,
                },
            )
            for p in engine.search(query, k=self.k)
        ]


def as_langchain_retriever(retriever: Retriever, k: int = 5) -> QabotRetriever:
    """The same search as a LangChain BaseRetriever (Documents with source, lines and score)."""
    return QabotRetriever(retriever=retriever, k=k)
