"""Form versions: administrators publish, submissions remember the version they were made on.

A form_id (e.g. "project_proposal") has versions 1, 2, 3... each a separate
`form_definition` row whose JSON never changes once published. A submission records
`definition_id`, `form_id` and `form_version`, and is always opened with the definition
it was made on, never the latest: a new version (questions renamed, removed, made
required) cannot break a draft made on an older one. These functions are pure (rows in,
values out) so the desktop store and the server share them; `publish_to_store` and
`store_definitions` are the thin bridge to the local store.
"""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from fieldapp.forms.checks import read_definition
from fieldapp.forms.form_state import FormState, Problem
from fieldapp.forms.errors import VersionError
from fieldapp.i18n import _

DefinitionLookup = Mapping[str, Mapping[str, Any]] | Callable[[str], Mapping[str, Any] | None]
_ID_NAMESPACE = uuid.UUID("5b0e4a1c-4d0e-4f00-9a00-0000000f0a11")


def definition_id(form_id: str, version: int) -> str:
    """The same id for the same form version everywhere: the template bundled with the
    app and the one an administrator publishes on the server are one record, so a
    submission made offline on the bundled copy syncs against the server's."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{form_id}:{int(version)}"))


def _versions(form_id: str, existing: Iterable[Mapping[str, Any]]) -> list[int]:
    return [int(r["version"]) for r in existing
            if r.get("form_id") == form_id and isinstance(r.get("version"), int) and not r.get("deleted")]


def next_version(form_id: str, existing: Iterable[Mapping[str, Any]]) -> int:
    """1 for a new form, else one more than the highest version published (rows of
    form_definition: any mapping with form_id and version)."""
    versions = _versions(form_id, existing)
    return max(versions) + 1 if versions else 1


def choose_version(form_id: str, requested: int | None, existing: Iterable[Mapping[str, Any]]) -> int:
    """The version to publish: the one the XLSForm's settings ask for, if it is above every
    published one, else the next one. Raises VersionError when the asked one is taken."""
    existing = list(existing)
    nxt = next_version(form_id, existing)
    if requested is None:
        return nxt
    if requested < nxt:
        raise VersionError(_(
            "version {requested} of '{form_id}' cannot be published: version {latest} exists, publish {next} "
            "or more").format(requested=requested, form_id=form_id, latest=nxt - 1, next=nxt))
    return requested


def definition_row(imported: Mapping[str, Any], existing: Iterable[Mapping[str, Any]], *,
                   published_at: str | None = None, status: str = "published") -> dict[str, Any]:
    """Values of a new form_definition row (with its deterministic `id`) for an
    `import_xlsform` result."""
    version = choose_version(imported["form_id"], imported.get("version"), existing)
    definition = dict(imported["definition"])
    definition["version"] = version
    read_definition(definition)  # refuse anything malformed before it is stored
    return {
        "id": definition_id(imported["form_id"], version),
        "form_id": imported["form_id"],
        "version": version,
        "title": imported["title"],
        "status": status,
        "published_at": published_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace(
            "+00:00", "Z"),
        "definition": definition,
    }


def latest_definition(form_id: str, rows: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The published row with the highest version: what a new submission starts on."""
    candidates = [r for r in rows if r.get("form_id") == form_id and r.get("status", "published") == "published"
                  and not r.get("deleted")]
    return max(candidates, key=lambda r: r["version"], default=None)


def new_submission(definition_id: str, definition: Mapping[str, Any], title: str, *,
                   project_id: str | None = None, now: Callable[[], dt.datetime] | None = None,
                   language: str | None = None, metadata: Mapping[str, str] | None = None,
                   last_saved: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Values of a new form_submission row (a draft) on the given definition row, with the
    form's defaults already filled in (`metadata`, `last_saved`: see `device_context`)."""
    state = FormState(definition["definition"], now=now, language=language, metadata=metadata,
                      last_saved=last_saved)
    values: dict[str, Any] = {
        "definition_id": definition_id,
        "form_id": definition["form_id"],
        "form_version": definition["version"],
        "title": title,
        "answers": state.to_answers(),
        "status": "draft",
    }
    if project_id:
        values["project_id"] = project_id
    return values


def _find(definitions: DefinitionLookup, definition_id: str) -> Mapping[str, Any] | None:
    if callable(definitions):
        return definitions(definition_id)
    return definitions.get(definition_id)


def open_submission(submission: Mapping[str, Any], definitions: DefinitionLookup, *,
                    language: str | None = None, now: Callable[[], dt.datetime] | None = None) -> FormState:
    """A FormState for a submission, on the very definition it was made on.

    `definitions` maps definition ids to form_definition rows (or is a lookup function).
    Raises VersionError when that definition is missing or does not match the recorded
    form_id and version: the submission is never silently opened on another version.
    """
    definition_id = submission.get("definition_id")
    row = _find(definitions, definition_id) if isinstance(definition_id, str) else None
    if row is None:
        raise VersionError(_("the form template this submission was made on ({form_id} version {version}) is not "
                             "available on this device yet").format(form_id=submission.get("form_id"),
                                                                     version=submission.get("form_version")))
    if row.get("form_id") != submission.get("form_id") or row.get("version") != submission.get("form_version"):
        raise VersionError(_("the submission says {form_id} version {version} but its template is {other_id} "
                             "version {other_version}").format(
            form_id=submission.get("form_id"), version=submission.get("form_version"),
            other_id=row.get("form_id"), other_version=row.get("version")))
    return FormState(row["definition"], submission.get("answers") or {}, language=language, now=now)


def check_submission(submission: Mapping[str, Any], definitions: DefinitionLookup, *,
                     language: str | None = None) -> list[Problem]:
    """What would stop this submission from being finalised, judged by its own version."""
    return open_submission(submission, definitions, language=language).validate_all(language)


# ----------------------------------------------------------------------------- local store bridge
def store_definitions(store, form_id: str | None = None) -> dict[str, dict]:
    """form_definition rows of a local store by id (deleted ones too: old drafts need them)."""
    filters = {"form_id": form_id} if form_id else None
    ids = store.ids("form_definition", filters, include_deleted=True)
    return {row["id"]: row for row in store.rows("form_definition", ids)}


def publish_to_store(store, imported: Mapping[str, Any], *, published_at: str | None = None,
                     outbox: bool = True) -> str:
    """Insert an imported form as its next version in a local store; returns the row id.
    `outbox=False` for bundled templates: every copy of the app and the server already
    hold them under the same id, there is nothing to send."""
    existing = store_definitions(store, imported["form_id"]).values()
    row = definition_row(imported, existing, published_at=published_at)
    if store.get("form_definition", row["id"]) is not None:
        return row["id"]
    if not outbox:
        store.bulk_insert("form_definition", [row], outbox=False)
        return row["id"]
    values = {k: v for k, v in row.items() if k != "id"}
    return store.insert("form_definition", values, row_id=row["id"])


def device_context(store, form_id: str) -> dict[str, Any]:
    """What a new submission of `form_id` reads of this installation: `metadata` for ODK's
    metadata questions (deviceid: the installation's id, username: the user signed in for
    sync) and `last_saved`, the answers of the submission of that form saved last here,
    for ${last-saved#name}. Keyword arguments of `new_submission`."""
    metadata = {k: v for k, v in {"deviceid": store.device_id, "username": store.meta("sync_user")}.items() if v}
    from fieldapp.core.store import Order

    last = store.ids("form_submission", {"form_id": form_id}, order=Order("updated_at", descending=True), limit=1)
    row = store.get("form_submission", last[0]) if last else None
    return {"metadata": metadata, "last_saved": (row or {}).get("answers") or {}}


def shipped_templates() -> list[Path]:
    """The XLSForm templates bundled in resources/forms (proposal, self-assessment)."""
    from fieldapp.paths import resources_dir

    return sorted((resources_dir() / "forms").glob("*.xlsx"))


def publish_shipped(store) -> list[str]:
    """Publish each bundled template whose form_id has no version in `store` yet (first run,
    demo data, tests); returns the new row ids. Running it again adds nothing."""
    from fieldapp.forms.xlsform import import_xlsform

    made = []
    for path in shipped_templates():
        imported = import_xlsform(path)
        if not store_definitions(store, imported["form_id"]):
            made.append(publish_to_store(store, imported, outbox=False))
    return made
