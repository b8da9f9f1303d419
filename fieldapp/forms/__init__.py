"""Project forms as data (no Qt here): definitions, XLSForm import, expressions, filling state.

- `definition`: the JSON format of a form and its dataclasses;
- `expressions`: the safe evaluator of XLSForm expressions (own parser, never eval);
- `dependencies`: what each expression reads, so a change re-evaluates only what it affects;
- `checks`: the meaning checks shared by the JSON reader and the importer;
- `form_state`: `FormState`, the answers of one submission, what is visible, what is wrong;
- `xlsform`: `import_xlsform(path)` and `check_command(path, out)`;
- `versions`: publishing versions, opening a submission on the version it was made on.
"""
from fieldapp.forms.definition import FormDefinition
from fieldapp.forms.form_state import FormState, Problem
from fieldapp.forms.errors import DefinitionError, EvaluationError, ExpressionError, FormImportError, FormStateError

__all__ = [
    "FormDefinition", "FormState", "Problem", "DefinitionError", "EvaluationError", "ExpressionError",
    "FormImportError", "FormStateError",
]
