"""The errors of the forms package, each carrying what a person needs to fix the cause.

They are plain exceptions (no Qt, no I/O) so the CLI, the server and the form filler
catch the same types and show the same messages.
"""
from __future__ import annotations


class ExpressionError(ValueError):
    """An expression that cannot be accepted (syntax, unknown function, over a limit).

    Raised at parse time, before anything is evaluated. `position` is the 0-based offset
    of the character where the problem was found, or None when it concerns the whole text.
    """

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        super().__init__(message)


class EvaluationError(ValueError):
    """An accepted expression that could not finish (step budget spent, bad data at run
    time). The engine turns it into an empty value or a failed check, never a crash."""


class DefinitionError(ValueError):
    """A JSON form definition that is not well formed; `problems` lists every mistake,
    each naming the element (question name or JSON position) it concerns."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class FormImportError(ValueError):
    """An XLSForm that cannot be imported. `problems` holds every problem found, each
    naming the sheet, the row and the column (e.g. "survey, row 12, column 'constraint':
    unknown function 'foo()'"); nothing of the form is imported."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class FormStateError(ValueError):
    """A misuse of a FormState by its caller: unknown path, writing a read-only or
    calculated question, a repeat instance that does not exist."""


class VersionError(ValueError):
    """A version that cannot be published or a submission whose definition is missing."""
