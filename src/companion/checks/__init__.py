"""Exercise checks: one module per chapter (``companion.checks.xor``, ...), each importing only its
chapter's module and the shared ones.

A check takes the student's answer and returns a :class:`Feedback`, whose ``correct`` says whether
the answer is right and whose message says what is wrong and where to look. A check never raises on
a wrong answer (a placeholder answer must run); it raises only for an answer of a kind it cannot
judge at all.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Feedback"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on an answer.

    Attributes
    ----------
    correct : bool
    message : str
    """

    correct: bool
    message: str

    def __str__(self) -> str:
        return ("✓ " if self.correct else "✗ not yet: ") + self.message

    def _repr_markdown_(self) -> str:
        return ("**✓ Correct.** " if self.correct else "**✗ Not yet.** ") + self.message
