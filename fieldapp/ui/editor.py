"""The editor of one record, generated from the entity's schema fields.

Every change is written as it is made: a field commits when the person leaves it (or
picks a value), through the store's writer thread. There is no Save button. A new
record is created as soon as its required fields are valid; until then the draft is
kept in the store's meta table so a crash loses nothing. Changes go on a QUndoStack
whose commands write through to the store, so undo/redo (and undo of a delete) change
the database, not just the widgets.
"""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QFormLayout, QFrame, QHBoxLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget,
)

from fieldapp.core import fieldspec as fs
from fieldapp.core import translations
from fieldapp.core.fieldspec import Field, ValidationError, check_value, coerce, validate
from fieldapp.core.schema import BY_NAME, entity
from fieldapp.core.store import new_id
from fieldapp.i18n import _
from fieldapp.ui import dialogs
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import language_tag, record_title
from fieldapp.ui.editor_commands import CreateRecord, DeleteRecord, FieldEdit
from fieldapp.ui.elided_label import ElidedLabel
from fieldapp.ui.record_inputs import FieldInput, make_input
from fieldapp.ui.lookup import make_lookup
from fieldapp.ui.translations_editor import TranslationsPanel

ERROR_STYLE = "color: #c62828;"
DRAFT_KEY = "ui.draft.{entity}"


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


class RecordEditor(QWidget):
    """Shows and edits one record of `entity_name` (or a new draft)."""

    created = Signal(str)  # row id of a record just created here
    record_changed = Signal(object)  # the id now shown (None for a draft or nothing)
    loaded = Signal()  # values of the record are on screen
    saved = Signal()  # every write started here has committed

    def __init__(self, bridge: StoreBridge, entity_name: str, *, read_only: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.entity = entity(entity_name)
        self.read_only = read_only or self.entity.admin_only
        self.row_id: str | None = None
        self.is_draft = False
        self.is_deleted = False
        self.values: dict[str, Any] = {}
        self.ref_titles: dict[str, str] = {}
        self.touched: set[str] = set()
        self.defaults: dict[str, Any] = {}
        self._inflight = 0
        self._generation = 0
        self.undo_stack = QUndoStack(self)
        self.inputs: dict[str, FieldInput] = {}
        self.messages: dict[str, QLabel] = {}
        self.field_rows: dict[str, QHBoxLayout] = {}  # each input's row, for buttons beside it (map picker)
        self._build()
        bridge.changed.connect(self._on_store_changed)
        self.clear()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.setContentsMargins(8, 6, 8, 0)
        self.heading = ElidedLabel()  # one line: a heading that wraps would move every field
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.state = QLabel()
        self.state.setObjectName("saveState")
        self.undo_action = self.undo_stack.createUndoAction(self, _("Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, _("Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.undo_button = self._tool(self.undo_action, "↶", _("Undo"))
        self.redo_button = self._tool(self.redo_action, "↷", _("Redo"))
        self.delete_action = QAction(_("Delete…"), self)
        self.delete_action.setShortcut(QKeySequence("Ctrl+Del"))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_record)
        self.addAction(self.delete_action)
        self.delete_button = QToolButton()
        self.delete_button.setDefaultAction(self.delete_action)
        header.addWidget(self.heading, 1)
        header.addWidget(self.state)
        header.addWidget(self.undo_button)
        header.addWidget(self.redo_button)
        header.addWidget(self.delete_button)
        outer.addLayout(header)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff3cd; color: #5c4400; padding: 6px; border-radius: 4px;")
        self.banner.hide()
        outer.addWidget(self.banner)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.body_layout = QVBoxLayout(body)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        lookup = make_lookup(self.bridge)
        for f in self.entity.own_fields:
            self.form.addRow(*self.field_row(f, lookup))
        self.body_layout.addLayout(self.form)
        self.translations = None
        if self.entity.translated:
            # The per-language copies of translatable fields: tabs beside the original,
            # their inputs registered here so that loading, checks and undo treat them
            # like any other field.
            self.translations = TranslationsPanel(self, lookup)
            self.body_layout.addWidget(self.translations)
        self.extras = QVBoxLayout()
        self.body_layout.addLayout(self.extras)
        self.body_layout.addStretch(1)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)
        self.placeholder = QLabel(_("Select a {what} in the list, or create a new one (Ctrl+N).").format(
            what=_(self.entity.label).lower()))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(placeholder-text); padding: 24px;")
        outer.addWidget(self.placeholder, 1)

    def field_row(self, f: Field, lookup) -> tuple[QLabel, QWidget]:
        """The label and the cell (input, unit, message) of field `f`, wired to commit."""
        inp = make_input(f, self.store.catalog, lookup)
        self.inputs[f.name] = inp
        message = QLabel()
        message.setStyleSheet(ERROR_STYLE)
        message.setWordWrap(True)
        message.hide()
        self.messages[f.name] = message
        cell = QWidget()
        cell_layout = QVBoxLayout(cell)
        cell_layout.setContentsMargins(0, 0, 0, 0)
        cell_layout.setSpacing(1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(inp.widget, 1)
        self.field_rows[f.name] = row
        if f.unit and f.unit != "bytes":
            row.addWidget(QLabel(f.unit))
        cell_layout.addLayout(row)
        cell_layout.addWidget(message)
        label = QLabel(_(f.label) + (" *" if f.required else ""))
        label.setBuddy(inp.widget.focusProxy() or inp.widget)
        if f.required:
            label.setToolTip(_("Required"))
            inp.widget.setAccessibleDescription(_("Required"))
        inp.edited.connect(lambda n=f.name: self._on_edited(n))
        inp.finished.connect(lambda n=f.name: self._on_finished(n))
        return label, cell

    def _tool(self, action: QAction, glyph: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setText(glyph)
        button.setAccessibleName(name)
        button.setToolTip(f"{name} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        action.changed.connect(lambda b=button, g=glyph: b.setText(g))
        return button

    def add_section(self, title: str, widget: QWidget) -> None:
        """Extra panes below the fields (contacts inline, attachments)."""
        heading = QLabel(title)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.extras.addWidget(heading)
        self.extras.addWidget(widget)

    # ------------------------------------------------------------------ loading
    def clear(self) -> None:
        """Show nothing (no record selected)."""
        self._generation += 1
        self.row_id, self.is_draft, self.is_deleted = None, False, False
        self.values, self.touched = {}, set()
        self.undo_stack.clear()
        for name, inp in self.inputs.items():
            inp.show(None)
            self._message(name, None)
        self._set_enabled(False)
        self.scroll.hide()
        self.placeholder.show()
        self.heading.setText(_("Nothing selected"))
        self.banner.hide()
        self.state.setText("")
        self.delete_action.setEnabled(False)
        self.record_changed.emit(None)

    def load(self, row_id: str) -> None:
        """Show the record `row_id` (read off the UI thread)."""
        self._generation += 1
        gen = self._generation
        store, name = self.store, self.entity.name
        refs = [f for f in self.entity.fields if f.kind == fs.REF]

        def read() -> tuple[dict | None, dict[str, str]]:
            row = store.get(name, row_id)
            titles: dict[str, str] = {}
            if row:
                for f in refs:
                    if row.get(f.name):
                        target = BY_NAME[f.ref or ""]
                        titles[row[f.name]] = record_title(target, store.get(target.name, row[f.name]))
            return row, titles

        self.bridge.read(read, lambda res: self._show_record(gen, row_id, *res))

    def _show_record(self, gen: int, row_id: str, row: dict | None, titles: dict[str, str], *, keep_stack: bool = False) -> None:
        if gen != self._generation:
            return
        if row is None:
            self.clear()
            return
        switching = row_id != self.row_id
        self.row_id, self.is_draft = row_id, False
        self.placeholder.hide()
        self.scroll.show()
        self.values = {f.name: row.get(f.name) for f in self.entity.fields}
        self.ref_titles.update(titles)
        if switching and not keep_stack:
            self.undo_stack.clear()
        focused = self.focusWidget()
        for f in self.entity.fields:
            inp = self.inputs[f.name]
            if not switching and focused is not None and (inp.widget is focused or inp.widget.isAncestorOf(focused)):
                continue  # never overwrite what the person is typing
            value = self.values[f.name]
            inp.show(value, self.ref_titles.get(value, "") if f.kind == fs.REF and value else "")
            self._message(f.name, None)
        if switching or bool(row.get("deleted")) != self.is_deleted:
            self._show_deleted(bool(row.get("deleted")))  # else the banner keeps its hint ("Undo restores it")
        self._update_heading()
        if switching:
            self.scroll.verticalScrollBar().setValue(0)
            self.record_changed.emit(row_id)
        self._update_state()
        self.loaded.emit()

    def new(self, defaults: dict[str, Any] | None = None) -> None:
        """Start a new record: shown with the schema's defaults (and `defaults`), created
        in the store as soon as its required fields are valid. A draft left unfinished
        by a previous session comes back."""
        self._generation += 1
        gen = self._generation
        self.row_id, self.is_draft, self.is_deleted = None, True, False
        self.placeholder.hide()
        self.scroll.show()
        self.defaults = dict(defaults or {})
        self.values, self.touched = {}, set()
        self.undo_stack.clear()
        for f in self.entity.fields:
            value = self.defaults.get(f.name, f.default)
            self.inputs[f.name].show(value, self.ref_titles.get(value or "", "") if f.kind == fs.REF else "")
            self._message(f.name, None)
        self._show_deleted(False)
        self._set_enabled(not self.read_only)
        self.heading.setText(_("New {what}").format(what=_(self.entity.label).lower()))
        self.scroll.verticalScrollBar().setValue(0)
        self.state.setText(_("Fill in the fields marked *"))
        self.delete_action.setEnabled(False)
        self.record_changed.emit(None)
        first = next((f for f in self.entity.fields if f.required and f.name not in self.defaults), None)
        if first is not None:
            self.inputs[first.name].widget.setFocus()
        if not self.defaults:
            key = DRAFT_KEY.format(entity=self.entity.name)
            self.bridge.read(lambda: self.store.meta(key), lambda saved: self._restore_draft(gen, saved))

    def _restore_draft(self, gen: int, saved: str | None) -> None:
        if gen != self._generation or not saved or not self.is_draft or self.touched:
            return  # the person started typing before the saved draft arrived: theirs wins
        try:
            draft = json.loads(saved)
        except json.JSONDecodeError:
            return
        for name, raw in draft.items():
            if name in self.inputs and name not in self.touched:
                f = self.entity.field(name)
                if f.kind == fs.REF:
                    continue
                try:
                    self.inputs[name].show(coerce(f, raw))
                except ValueError:
                    continue
                self.touched.add(name)
        if self.touched:
            self.state.setText(_("Unfinished draft restored"))

    # ------------------------------------------------------------------ editing
    def _check(self, f: Field, raw: Any) -> tuple[Any, str | None]:
        try:
            value = coerce(f, raw)
        except ValueError as exc:
            if f.kind == fs.REF:  # typed text that names no record picked from the list
                return None, _("{label}: pick a record from the list (type a few letters of its name)").format(
                    label=_(f.label))
            return None, _(str(exc.args[0])).format(label=_(f.label))
        problem = check_value(f, value, self.store.catalog.has)
        return value, problem.message if problem else None

    def _on_edited(self, name: str) -> None:
        """Validate as the person types; the message sits beside the field."""
        f = self.entity.field(name)
        _value, message = self._check(f, self.inputs[name].raw())
        if message and f.required and self.is_draft and name not in self.touched and _empty(self.inputs[name].raw()):
            message = None  # do not scold an untouched empty field of a new record
        self._message(name, message)

    def _on_finished(self, name: str) -> None:
        if self.read_only or self.is_deleted or (self.row_id is None and not self.is_draft):
            return
        f = self.entity.field(name)
        raw = self.inputs[name].raw()
        value, message = self._check(f, raw)
        self._message(name, message)
        if message:
            return
        if self.is_draft:
            self.touched.add(name)
            self._try_create()
            return
        old = self.values.get(name)
        if (_empty(old) and _empty(value)) or old == value:
            return
        new_title = self.inputs[name].widget._title if f.kind == fs.REF else ""
        titles = (self.ref_titles.get(old or "", "") if f.kind == fs.REF else "", new_title)
        if f.kind == fs.REF and value:
            self.ref_titles[value] = new_title
        self.undo_stack.push(FieldEdit(self, self.row_id, name, old, value, titles))

    def _draft_values(self) -> dict[str, Any]:
        values = {}
        for f in self.entity.fields:
            raw = self.inputs[f.name].raw()
            if not _empty(raw):
                values[f.name] = raw
        return values

    def _try_create(self) -> None:
        raw = self._draft_values()
        clean, errors = validate(self.entity, raw, partial=False, has_code=self.store.catalog.has)
        key = DRAFT_KEY.format(entity=self.entity.name)
        if errors:
            for err in errors:
                if err.field in self.touched:
                    self._message(err.field, err.message)
            if not self.defaults:
                draft = {k: v for k, v in raw.items() if k in self.touched and isinstance(v, (str, int, float, list))}
                self.bridge.write(self.store.set_meta, key, json.dumps(draft, ensure_ascii=False))
            missing = [_(self.entity.field(e.field).label) for e in errors if e.code == "required"]
            if missing:
                self.state.setText(_("Still needed: {fields}").format(fields=", ".join(missing)))
            return
        row_id = new_id()
        self.is_draft = False
        self.row_id = row_id
        self.values = {f.name: clean.get(f.name) for f in self.entity.fields}
        if not self.defaults:
            self.bridge.write(self.store.set_meta, key, None)
        self.undo_stack.push(CreateRecord(self, row_id, clean))
        self.delete_action.setEnabled(True)
        self._update_heading()
        self.record_changed.emit(row_id)

    # ------------------------------------------------------------------ writing
    def _start_write(self) -> None:
        self._inflight += 1
        self._update_state()

    def _end_write(self, error: BaseException | None = None, name: str | None = None) -> None:
        self._inflight -= 1
        if error is not None:
            if isinstance(error, ValidationError):
                for err in error.errors:
                    self._message(err.field, err.message)
                text = "; ".join(e.message for e in error.errors)
            else:
                text = str(error)
            self.state.setText(_("Not saved: {reason}").format(reason=text))
            self.state.setStyleSheet(ERROR_STYLE)
            if self.row_id:
                self.load(self.row_id)
            return
        self._update_state()
        if self._inflight == 0:
            if self.row_id:
                self._refresh_from_store(self.row_id)  # what the store derived (a region from the country)
            self.saved.emit()

    def _update_state(self) -> None:
        self.state.setStyleSheet("")
        if self._inflight:
            self.state.setText(_("Saving…"))
        elif self.row_id:
            self.state.setText(_("All changes saved"))

    def _insert(self, row_id: str, values: dict) -> None:
        self._start_write()

        def done(_rid: str) -> None:
            self._end_write()
            self.created.emit(row_id)

        def failed(exc: BaseException) -> None:
            self.is_draft, self.row_id = True, None
            self._end_write(exc)

        self.bridge.write(self.store.insert, self.entity.name, values, row_id=row_id, on_done=done, on_error=failed)

    def _write_field(self, row_id: str, name: str, value: Any, title: str, *, show: bool) -> None:
        if row_id == self.row_id:
            self.values[name] = value
            if show:
                self.inputs[name].show(value, title)
                self._message(name, None)
            self._update_heading()
        self._start_write()
        self.bridge.write(self.store.update, self.entity.name, row_id, {name: value},
                          on_done=lambda _row: self._end_write(), on_error=lambda e: self._end_write(e, name))

    def _set_deleted(self, row_id: str, deleted: bool, hint: str = "") -> None:
        if row_id == self.row_id:
            self._show_deleted(deleted, hint)
        self._start_write()
        fn = self.store.delete if deleted else self.store.restore
        self.bridge.write(fn, self.entity.name, row_id, on_done=lambda _r: self._end_write(),
                          on_error=lambda e: self._end_write(e))

    def delete_record(self) -> None:
        """Ask, then leave a tombstone; Undo brings the record back."""
        if self.row_id is None or self.is_deleted or self.read_only:
            return
        title = record_title(self.entity, self.values) or _(self.entity.label)
        if not dialogs.confirm(self, _("Delete {what}").format(what=_(self.entity.label).lower()),
                               _("Delete “{title}”? You can undo this with Ctrl+Z.").format(title=title),
                               action=_("Delete")):
            return
        self.undo_stack.push(DeleteRecord(self, self.row_id))

    # ------------------------------------------------------------------ display
    def _show_deleted(self, deleted: bool, hint: str = "") -> None:
        self.is_deleted = deleted
        if deleted:
            self.banner.setText(_("This record is deleted.") + (f" {hint}" if hint else ""))
            self.banner.show()
        else:
            self.banner.hide()
        self._set_enabled(not deleted and not self.read_only)
        self.delete_action.setEnabled(not deleted and not self.read_only and self.row_id is not None)

    def _set_enabled(self, on: bool) -> None:
        for inp in self.inputs.values():
            inp.set_enabled(on)

    def _update_heading(self) -> None:
        title = record_title(self.entity, self.values)
        if len(title) > 70:
            title = title[:69].rstrip() + "…"
        reading = translations.title_of(self.entity, self.values) if self.entity.translated else None
        if title and reading is not None and reading.fallback and reading.language:
            title = f"{title} {language_tag(reading.language)}"  # shown as written, in another language
        self.heading.setText(f"{_(self.entity.label)}: {title}" if title else _(self.entity.label))
        self.heading.setToolTip(record_title(self.entity, self.values))

    def _message(self, name: str, message: str | None) -> None:
        label = self.messages[name]
        label.setText(message or "")
        label.setVisible(bool(message))
        self.inputs[name].widget.setProperty("invalid", bool(message))

    def message(self, name: str) -> str:
        """The validation message shown beside field `name` ('' when none)."""
        return self.messages[name].text() if self.messages[name].isVisibleTo(self) else ""

    def _on_store_changed(self, entity_name: str, row_id: str) -> None:
        """Someone else (sync, another pane) changed the record shown: refresh the
        fields the person is not typing in."""
        if entity_name != self.entity.name or row_id != self.row_id or self._inflight:
            return
        self._refresh_from_store(row_id)

    def _refresh_from_store(self, row_id: str) -> None:
        gen = self._generation
        store, name = self.store, self.entity.name

        def read() -> tuple[dict | None, dict]:
            return store.get(name, row_id), {}

        self.bridge.read(read, lambda res: self._show_record(gen, row_id, *res, keep_stack=True))
