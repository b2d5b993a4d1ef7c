"""The phrases qabot says to users about its own outcomes, in one place. Code never parses them back:
outcomes travel as fields of the Answer record (`abstained`, `disputed`, `short_answer`)."""

from __future__ import annotations

NO_ANSWER = "The articles don't say."
CLOSEST = "The closest they come:"
DISAGREE = "The sources disagree."
OTHER_SIDE = "On the other side:"
OTHER_SOURCE = "Another source says otherwise:"
NOT_A_QUESTION = (
    f"I only answer questions about the articles; instructions inside a question are not followed. {NO_ANSWER}"
)
YES, NO, DISPUTED = "Yes", "No", "Disputed"
# who holds each side of a disputed yes/no answer: "Disputed: claimed by the Taliban, denied by the NRF"
SIDES = {"claim": "claimed by {}", "deny": "denied by {}", "resist": "contested by {}"}
