"""The forms area of the window: the list of submissions beside the form filler.

`FormsArea(bridge, can_review=...)` is what the main window places under "Projects &
Forms". On first use it publishes the bundled templates into the local store (once per
form; `fieldapp.forms.versions.publish_shipped`), so a new installation can fill a
project proposal before it ever syncs. "New submission" starts a draft on the latest
published version of a template; older drafts keep opening on their own version.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
    QSplitter, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from shiboken6 import isValid

from fieldapp.core.store import Order
from fieldapp.forms.definition import text_in
from fieldapp.forms.form_state import FormState
from fieldapp.forms.errors import FormStateError
from fieldapp.forms.versions import device_context, latest_definition, new_submission, publish_shipped
from fieldapp.i18n import _, language
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import choice_label
from fieldapp.ui.form_filler import FormFiller
from fieldapp.ui.pickers import CodeCombo
from fieldapp.ui.wheel_guard import guard as guard_wheel

LIST_LIMIT = 2000  # submissions shown at once (newest first); the search box finds the others


def latest_templates(definitions: list[dict], local_only: set[str] = frozenset()) -> list[dict]:
    """The newest published version of each form, by title: what a new submission uses.

    A template published on this computer only (`local_only`: the bundled ones, before
    a sync brought the server's) gives way to the server's row of the same version, so
    that new submissions refer to a template the server knows."""
    out = []
    for form_id in sorted({d["form_id"] for d in definitions}):
        newest = latest_definition(form_id, definitions)
        if newest is None:
            continue
        same = [d for d in definitions if d["form_id"] == form_id and d["version"] == newest["version"]
                and d.get("status", "published") == "published" and not d.get("deleted")]
        out.append(min(same, key=lambda d: (d["id"] in local_only, d.get("created_at") or "")))
    return sorted(out, key=lambda r: template_title(r).casefold())


def template_title(row: dict) -> str:
    title = (row.get("definition") or {}).get("title")
    if isinstance(title, dict):
        return text_in(title, language(), (row.get("definition") or {}).get("default_language")) or row["title"]
    return row.get("title") or row.get("form_id") or ""


# Questions a new submission's dialog answers already: the form's own question of that
# name (when it has one and it is still empty) gets what the dialog was told.


def prefill_answers(definition: dict, answers: dict, given: dict[str, Any], lang: str | None) -> dict:
    """`answers` with the dialog's title, country and the country's region put into the
    form's questions of the same name (so finalising does not ask for them again)."""
    state = FormState(definition, answers, language=lang)
    for name, value in given.items():
        if value in (None, "") or name not in state.form.meta:
            continue
        try:
            path = state.path_of(name)
            if state.value(path) in (None, ""):
                state.set_answer(path, value)
        except FormStateError:
            continue  # a repeat's question, a calculation, or not relevant yet: left to the person
    return state.to_answers()


def _load_lists(store) -> dict[str, Any]:
    """Submissions (newest first), template titles and projects, read in a worker thread."""
    subs = store.records("form_submission", order=Order("updated_at", descending=True), limit=LIST_LIMIT)
    definitions = store.records("form_definition", include_deleted=True)
    projects = store.records("project", limit=LIST_LIMIT)
    return {
        "submissions": [{k: r.get(k) for k in ("id", "title", "form_id", "form_version", "status", "review_state",
                                               "definition_id", "updated_at")} for r in subs],
        "definitions": definitions,
        "local_definitions": store.pending_ids("form_definition"),
        "projects": [(p["id"], p.get("title") or "", p.get("country")) for p in projects],
    }


class NewSubmissionDialog(QDialog):
    """Which template, a title, and optionally the project and country it is for."""

    def __init__(self, templates: list[dict], projects: list[tuple[str, str, str | None]], catalog,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("New submission"))
        form = QFormLayout(self)
        self.template = QComboBox()
        guard_wheel(self.template)
        for row in templates:
            self.template.addItem(_("{title} (version {version})").format(title=template_title(row),
                                                                          version=row["version"]), row["id"])
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(_("e.g. Agroforestry in the Sahel, call 2026"))
        self.project = CodeCombo([(pid, title) for pid, title, _c in projects], sort=True, editable=True)
        self._project_country = {pid: c for pid, _t, c in projects}
        lang = language()
        self.country = CodeCombo([(c, catalog.label("country", c, lang)) for c in catalog.codes("country")],
                                 sort=True, editable=True)
        self.project.picked.connect(self._project_picked)
        form.addRow(_("Form"), self.template)
        form.addRow(_("Title"), self.title_edit)
        form.addRow(_("Project"), self.project)
        form.addRow(_("Country"), self.country)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _project_picked(self) -> None:
        country = self._project_country.get(self.project.raw() or "")
        if country and not self.country.raw():
            self.country.set_code(country)

    def _accept(self) -> None:
        if not self.title_edit.text().strip():
            self.error.setText(_("Title is required"))
            self.title_edit.setFocus()
            return
        if self.template.currentData() is None:
            self.error.setText(_("No form template is available yet"))
            return
        self.accept()

    def values(self) -> dict[str, Any]:
        project = self.project.raw()
        country = self.country.raw()
        return {"definition_id": self.template.currentData(), "title": self.title_edit.text().strip(),
                "project_id": project if project in self._project_country else None,
                "country": country}


class SubmissionsPanel(QWidget):
    """The submissions with their form, version, status and review state."""

    open_requested = Signal(str)
    new_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        heading = QLabel(_("Submissions"))
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.new_button = QPushButton(_("New submission"))
        self.new_button.clicked.connect(self.new_requested.emit)
        bar.addWidget(heading)
        bar.addStretch(1)
        bar.addWidget(self.new_button)
        layout.addLayout(bar)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName(_("Submissions"))
        self.tree.setHeaderLabels([_("Title"), _("Form"), _("Version"), _("Status"), _("Review")])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 140)
        for i in range(2, 5):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.currentItemChanged.connect(self._current_changed)
        layout.addWidget(self.tree, 1)
        self.empty = QLabel(_("No submission yet. Start one with “New submission”."))
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text); padding: 12px;")
        layout.addWidget(self.empty)
        self.ids: list[str] = []

    def show_rows(self, submissions: list[dict], titles: dict[str, str], current: str | None) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        self.ids = []
        for s in submissions:
            item = QTreeWidgetItem([
                s.get("title") or _("(untitled)"), titles.get(s.get("definition_id") or "", s.get("form_id") or ""),
                str(s.get("form_version") or ""), choice_label(s.get("status") or "draft"),
                choice_label(s.get("review_state")) if s.get("review_state") else "",
            ])
            item.setData(0, Qt.ItemDataRole.UserRole, s["id"])
            for column in (0, 1):
                item.setToolTip(column, item.text(column))
            self.tree.addTopLevelItem(item)
            self.ids.append(s["id"])
            if s["id"] == current:
                self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        self.empty.setVisible(not submissions)

    def select(self, row_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == row_id:
                self.tree.setCurrentItem(item)
                return

    def _current_changed(self, item: QTreeWidgetItem | None, _previous) -> None:
        if item is not None:
            self.open_requested.emit(item.data(0, Qt.ItemDataRole.UserRole))


class FormsArea(QWidget):
    """Submissions list + form filler (see the module docstring)."""

    loaded = Signal()  # the list is filled (templates published on first use)
    created = Signal(str)  # a new submission's id

    def __init__(self, bridge: StoreBridge, *, can_review: bool = False, publish_templates: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.can_review = can_review
        self.definitions: list[dict] = []
        self.local_definitions: set[str] = set()
        self.projects: list[tuple[str, str, str | None]] = []
        self.panel = SubmissionsPanel()
        self.filler = FormFiller(bridge, can_review=can_review)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.panel)
        split.addWidget(self.filler)
        split.setStretchFactor(1, 1)
        split.setSizes([420, 860])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.panel.open_requested.connect(self.filler.open_submission)
        self.panel.new_requested.connect(self.new_submission)
        self.filler.status_changed.connect(lambda *_a: self._refresh_if_alive())
        self._refresh_timer = QTimer(self, singleShot=True, interval=250)
        self._refresh_timer.timeout.connect(self.refresh)
        bridge.changed.connect(self._on_change)
        if publish_templates:
            bridge.write(publish_shipped, self.store, on_done=lambda _ids: self._refresh_if_alive(),
                         on_error=lambda _e: self._refresh_if_alive())
        else:
            self.refresh()

    # ------------------------------------------------------------------ list
    def _on_change(self, entity_name: str, _row_id: str) -> None:
        if isValid(self) and entity_name in ("form_submission", "form_definition"):
            self._refresh_timer.start()

    def _refresh_if_alive(self) -> None:
        if isValid(self):
            self.refresh()

    def refresh(self) -> None:
        store = self.store
        self.bridge.read(lambda: _load_lists(store), self._show_lists)

    def _show_lists(self, lists: dict) -> None:
        if not isValid(self):
            return
        self.definitions = lists["definitions"]
        self.local_definitions = lists["local_definitions"]
        self.projects = lists["projects"]
        titles = {d["id"]: template_title(d) for d in self.definitions}
        self.panel.show_rows(lists["submissions"], titles, self.filler.row_id)
        self.loaded.emit()

    def set_can_review(self, can_review: bool) -> None:
        """Show or hide the review controls when the logged-in account changes."""
        self.can_review = can_review
        self.filler.can_review = can_review
        self.filler.review.set_can_review(can_review)
        if self.filler.row is not None and self.filler.state is not None:
            self.filler._show_header()  # the review box follows the new role at once

    def templates(self) -> list[dict]:
        return latest_templates(self.definitions, self.local_definitions)

    # ------------------------------------------------------------------ new
    def new_submission(self, definition_id: str | None = None, title: str | None = None, *,
                       project_id: str | None = None, country: str | None = None) -> None:
        """Start a draft; without arguments ask which template and title in a dialog."""
        if definition_id is None or title is None:
            dialog = NewSubmissionDialog(self.templates(), self.projects, self.store.catalog, self)
            if not dialog.exec():
                return
            values = dialog.values()
            definition_id, title = values["definition_id"], values["title"]
            project_id, country = values["project_id"], values["country"]
        row = next((d for d in self.definitions if d["id"] == definition_id), None)
        if row is None:
            raise KeyError(_("no form template {id}").format(id=definition_id))
        store, lang = self.store, language()

        def create() -> str:
            values = new_submission(definition_id, row, title, project_id=project_id, language=lang,
                                    **device_context(store, row["form_id"]))
            region = store.catalog.region_of_country(country) if country else None
            values["answers"] = prefill_answers(row["definition"], values["answers"],
                                                {"project_title": title, "country": country, "region": region}, lang)
            if country:
                values["country"] = country
            return store.insert("form_submission", values)

        def done(new_id: str) -> None:
            if not isValid(self):
                return
            self.created.emit(new_id)
            self.filler.open_submission(new_id)
            self.refresh()

        self.bridge.write(create, on_done=done)

    def open_submission(self, row_id: str) -> None:
        self.panel.select(row_id)
        self.filler.open_submission(row_id)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.filler.flush()
        super().closeEvent(event)
