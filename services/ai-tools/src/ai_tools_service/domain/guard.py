"""The loop guard: stop a model that keeps calling tools (pure, no I/O).

A chain (one `ai.respond` turn, or a webhook-driven chain of background responses) may take at
most `max_rounds` tool rounds, and the same call (name + arguments, compared as parsed JSON) may
come `max_repeats - 1` times: the next identical one is not run, the model gets an error output
instead and the next model call is made with `tool_choice: none` so it answers in text.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from uts_shared import json_depth
from uts_shared.contracts.ai_tools import FunctionCall


def signature(call: FunctionCall) -> str:
    """What makes two calls "the same": the name and the arguments as parsed JSON."""
    try:
        args = json.dumps(
            json_depth.loads(call.arguments or "{}"), sort_keys=True, ensure_ascii=False
        )
    except ValueError:
        args = call.arguments.strip()
    return f"{call.name}\x00{args}"


@dataclass
class LoopGuard:
    max_rounds: int
    max_repeats: int
    rounds: int = 0
    """Tool rounds already taken in this chain."""
    seen: Counter[str] = field(default_factory=Counter)
    tripped: bool = False

    @classmethod
    def resume(
        cls, *, max_rounds: int, max_repeats: int, rounds: int, signatures: list[str], tripped: bool
    ) -> LoopGuard:
        """The guard of a chain whose earlier rounds were recorded (webhook path)."""
        return cls(max_rounds, max_repeats, rounds, Counter(signatures), tripped)

    def rounds_exhausted(self) -> bool:
        return self.rounds >= self.max_rounds

    def admit(self, call: FunctionCall) -> int | None:
        """None if the call may run; else how many times it has now been made (trips)."""
        key = signature(call)
        self.seen[key] += 1
        if self.seen[key] >= self.max_repeats:
            return self.seen[key]
        return None

    def signatures(self) -> list[str]:
        return list(self.seen.elements())
