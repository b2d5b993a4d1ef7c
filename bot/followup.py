"""Follow-up questions -> standalone questions, by carrying over what the conversation was about."""

from __future__ import annotations

from retrieval.index import Index
from retrieval.records import Conversation


def standalone_question(question: str, conversation: Conversation, index: Index) -> str:
    return question
