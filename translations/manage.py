"""Keep the gettext catalogs in step with the code: extract, update, compile, stats.

    python translations/manage.py extract   # code -> translations/fieldapp.pot
    python translations/manage.py update    # extract, then merge into every <lang>.po
    python translations/manage.py compile   # every .po -> .mo beside it; fails on errors
    python translations/manage.py stats     # per language: total, translated, fuzzy, untranslated

Extraction reads the Python files named in babel.cfg with the keywords `_`, `N_` and
`ngettext`. It also adds the wording of the schema's fixed codes ('under_review' ->
'Under review'): the UI translates them with `_()` on a computed string
(fieldapp.ui.display.choice_label), which no extractor can see, and deriving them from
the one schema keeps the catalog from drifting when a code is added.
"""
from __future__ import annotations

import argparse
import io
import re
import string
import sys
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
TEMPLATE = TRANSLATIONS / "fieldapp.pot"
DOMAIN = "fieldapp"
LANGUAGES = ("fr", "es", "ar", "zh", "ru")  # English is the source language
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
COMMENT_TAGS = ("TRANSLATORS:",)
# Babel's table orders Arabic forms unlike GNU gettext and CLDR (index 4 = 100-102);
# the usual order (4 = 11-99 "many", 5 = the rest) is what Arabic translators expect.
PLURAL_FORMS = {
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
}
CHOICE_COMMENT = "Wording of a fixed code of the schema, shown in lists and pickers."
# Set to "code" once fieldapp.ui.display.choice_label calls pgettext("code", wording):
# then 'Open' (an action item's status) is translated apart from 'Open' (the button).
CHOICE_CONTEXT: str | None = None
_DATE_HEADER = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.MULTILINE)

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from fieldapp.i18n import compile_catalog  # noqa: E402  (the app's own way, digest included)


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def choice_wording(code: str) -> str:
    """Must stay the same rule as fieldapp.ui.display.choice_label."""
    return code.replace("_", " ").capitalize()


def _schema_choices() -> list[tuple[str, str, int]]:
    """(wording, field, line in schema.py) of every fixed code declared in the schema."""
    from fieldapp.core import schema

    lines = Path(schema.__file__).read_text(encoding="utf-8").splitlines()

    def line_of(code: str) -> int:
        return next((i for i, text in enumerate(lines, 1) if f'"{code}"' in text), 1)

    found: dict[str, tuple[str, int]] = {}
    for e in schema.ENTITIES:
        for f in e.fields:
            for code in f.choices or ():
                found.setdefault(choice_wording(code), (f"{e.name}.{f.name}", line_of(code)))
    return sorted((wording, where, line) for wording, (where, line) in found.items())


def extract() -> Catalog:
    """Build the template catalog from the code (and the schema's fixed codes)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    template = Catalog(project="Field App", version="0.1", copyright_holder="4 per 1000 Initiative",
                       msgid_bugs_address="", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for wording, where, line in _schema_choices():
        existing = template.get(wording, CHOICE_CONTEXT)
        if existing is None:
            template.add(wording, None, [("fieldapp/core/schema.py", line)], auto_comments=[CHOICE_COMMENT, where],
                         context=CHOICE_CONTEXT)
        elif CHOICE_COMMENT not in existing.auto_comments:
            existing.auto_comments.extend([CHOICE_COMMENT, where])
    return template


def _render(catalog: Catalog, **kw) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, sort_output=False, sort_by_file=True, include_lineno=True, **kw)
    return out.getvalue()


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Rewrite only when something besides the date headers changed (quiet git diffs)."""
    if path.exists():
        old = path.read_bytes().decode("utf-8")
        if _DATE_HEADER.sub("", old) == _DATE_HEADER.sub("", data.decode("utf-8")):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def write_template() -> Catalog:
    template = extract()
    changed = _write_if_changed(TEMPLATE, _render(template))
    print(f"{_show(TEMPLATE)}: {len(template)} messages{'' if changed else ' (unchanged)'}")
    return template


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN, abort_invalid=True)


def new_catalog(lang: str, template: Catalog) -> Catalog:
    catalog = Catalog(locale=lang, domain=DOMAIN, project="Field App", version="0.1",
                      copyright_holder="4 per 1000 Initiative", charset="utf-8", fuzzy=False)
    catalog.language_team = f"{lang} <translations@4p1000.org>"
    if lang in PLURAL_FORMS:
        catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def _carry_over_choice_wordings(catalog: Catalog, template: Catalog, before: dict) -> None:
    """When the fixed codes move into CHOICE_CONTEXT, keep their translations; a wording the
    code also uses without context ('Open', the button) is marked fuzzy for a translator."""
    if not CHOICE_CONTEXT:
        return
    for message in catalog:
        if message.context == CHOICE_CONTEXT and message.id in before and (not message.string or message.fuzzy):
            message.string = before[message.id]
            if template.get(message.id) is not None:
                message.flags.add("fuzzy")
            else:
                message.flags.discard("fuzzy")


def update(langs: tuple[str, ...] = LANGUAGES) -> None:
    """Extract, then merge the template into every catalog, keeping translations."""
    template = write_template()
    for lang in langs:
        path = po_path(lang)
        if path.exists():
            catalog = read_catalog(path, lang)
            before = {m.id: m.string for m in catalog if m.id and not m.context and m.string}
            catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
            _carry_over_choice_wordings(catalog, template, before)
        else:
            catalog = new_catalog(lang, template)
        changed = _write_if_changed(path, _render(catalog, ignore_obsolete=True))
        print(f"{_show(path)}: {'updated' if changed else 'unchanged'}")


_FIELD_NAME = re.compile(r"^(\d*|[A-Za-z_]\w*)(\.\w+|\[\w+\])*$")
# No space flag: '({share} % of the target)' is prose with a percent sign, not '% o'.
_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0+]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> Counter:
    """The substitutions a string expects: '{label}', '{seconds:.1f}', '{value!r}' and
    '%(prog)s' / '%s'. Literal '{{' and '%%' are not placeholders."""
    found: Counter = Counter()
    try:
        fields = [(name, spec, conversion) for _literal, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError:  # not a brace format at all: the code cannot .format() it, braces are text
        fields = []
    if all(_FIELD_NAME.match(name) for name, _spec, _conversion in fields):
        for name, spec, conversion in fields:
            found["{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"] += 1
    # else: "'${' is never closed by '}'" -- braces around prose are text, never formatted
    for name, kind in _PERCENT.findall(text):
        if kind != "%":
            found[f"%({name}){kind}" if name else f"%{kind}"] += 1
    return found


def accelerators(text: str) -> int:
    """How many '&x' keyboard accelerators a Qt label carries ('&&' is a literal '&')."""
    return len(re.findall(r"&(?=[^&\s])", text.replace("&&", "")))  # '& ' is a plain ampersand


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Translations whose placeholders differ from the source (each form of a plural, which
    may only leave out the count {n}), or that lose or add a keyboard accelerator: each
    would break or mislead at run time."""
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        sources = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        wanted = placeholders(sources[-1])
        percent_format = any(key.startswith("%") for key in wanted)
        for index, text in enumerate(strings):
            found = placeholders(text)
            if not percent_format:  # '%' is plain text where the source is not %-formatted ('23 %')
                found = Counter({k: v for k, v in found.items() if not k.startswith("%")})
            if len(sources) > 1 and not found - wanted and set(wanted - found) <= {"{n}"}:
                found = wanted  # a plural form may say the count in words ('تغييران', two changes)
            if text and found != wanted:
                problems.append(f"{catalog.locale}: {sources[0]!r} form {index}: {text!r} has "
                                f"{sorted(found.elements())}, wanted {sorted(wanted.elements())}")
            if text and accelerators(text) != accelerators(sources[-1]):
                problems.append(f"{catalog.locale}: {sources[0]!r} form {index}: {text!r} "
                                f"should have {accelerators(sources[-1])} '&' accelerator(s)")
    return problems


def compile_all(langs: tuple[str, ...] = LANGUAGES) -> int:
    """Compile every catalog; returns the number of errors (each printed)."""
    errors = 0
    for lang in langs:
        path = po_path(lang)
        try:
            catalog = read_catalog(path, lang)
        except Exception as exc:  # a syntax error names the line
            print(f"{path}: {exc}", file=sys.stderr)
            errors += 1
            continue
        for message in catalog:  # Babel guesses python-format from '% o' in prose: ours is the rule
            if message.id and not any(k.startswith("%") for k in placeholders(
                    message.id[-1] if isinstance(message.id, (list, tuple)) else message.id)):
                message.flags.discard("python-format")
        for message, problems in catalog.check():
            for problem in problems:
                print(f"{path}:{message.lineno}: {message.id!r}: {problem}", file=sys.stderr)
                errors += 1
        for problem in placeholder_problems(catalog):
            print(f"{path}: {problem}", file=sys.stderr)
            errors += 1
        path.with_suffix(".mo").write_bytes(compile_catalog(path, lang))
    return errors


def stats(langs: tuple[str, ...] = LANGUAGES) -> dict[str, dict[str, int]]:
    """Per language: total, translated, fuzzy, untranslated (fuzzy ones are not used)."""
    result: dict[str, dict[str, int]] = {}
    for lang in langs:
        catalog = read_catalog(po_path(lang), lang)
        counts = {"total": 0, "translated": 0, "fuzzy": 0, "untranslated": 0}
        for message in catalog:
            if not message.id:
                continue
            counts["total"] += 1
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            if not all(strings):
                counts["untranslated"] += 1
            elif message.fuzzy:
                counts["fuzzy"] += 1
            else:
                counts["translated"] += 1
        result[lang] = counts
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("extract", "update", "compile", "stats"))
    parser.add_argument("--lang", action="append", choices=LANGUAGES, help="only this language (repeatable)")
    args = parser.parse_args(argv)
    langs = tuple(args.lang or LANGUAGES)
    if args.command == "extract":
        write_template()
    elif args.command == "update":
        update(langs)
    elif args.command == "compile":
        errors = compile_all(langs)
        if errors:
            print(f"{errors} error(s) in the catalogs: nothing is wrong until they are fixed", file=sys.stderr)
            return 1
        print(f"compiled {len(langs)} catalog(s)")
    else:
        print(f"{'lang':<6}{'total':>7}{'translated':>12}{'fuzzy':>7}{'untranslated':>14}")
        for lang, c in stats(langs).items():
            print(f"{lang:<6}{c['total']:>7}{c['translated']:>12}{c['fuzzy']:>7}{c['untranslated']:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
