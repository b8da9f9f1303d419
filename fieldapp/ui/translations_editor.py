"""The translations of a record: one tab per UN language, each showing the original
text of every translatable field above the input for its translation.

Nothing here writes on its own: the inputs are the editor's (registered in
`RecordEditor.inputs` under the per-language field names, `title_es`...), so typing a
translation commits, validates and undoes exactly like any field, and reaches the
server as an ordinary field-level edit that merges and conflicts per language and
field. Removing a language is one undoable step that empties its fields. The tab
titles say which language is the original, which translations are complete, partial,
or older than the original's last change (core/translations.py decides).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QTabWidget, QVBoxLayout, QWidget,
)

from fieldapp.core import translations as tr
from fieldapp.core.fieldspec import TRANSLATION_LANGUAGES
from fieldapp.core.formatting import language_name
from fieldapp.i18n import _
from fieldapp.ui import dialogs
from fieldapp.ui.editor_commands import FieldEdit

if TYPE_CHECKING:
    from fieldapp.ui.editor import RecordEditor

ORIGINAL_STYLE = "color: palette(placeholder-text); padding: 2px 0;"
STALE_STYLE = "color: #8a5a00;"
COMPLETE_MARK, PARTIAL_MARK = "✓", "◐"
PREVIEW_CHARS = 400


class LanguagePage(QWidget):
    """The record in one language: per translatable field, the original and its translation."""

    def __init__(self, panel: "TranslationsPanel", lang: str, lookup):
        super().__init__()
        self.panel, self.lang = panel, lang
        editor = panel.editor
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.note = QLabel(_("This is the language the record is written in: its text is in the fields above."))
        self.note.setWordWrap(True)
        self.note.setStyleSheet(ORIGINAL_STYLE)
        outer.addWidget(self.note)
        self.form_box = QWidget()
        self.form = QFormLayout(self.form_box)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.originals: dict[str, QLabel] = {}
        self.stale_marks: dict[str, QLabel] = {}
        for original in editor.entity.translatable_fields:
            f = editor.entity.translation(original.name, lang)
            label, cell = editor.field_row(f, lookup)
            editor.inputs[f.name].widget.setAccessibleName(tr.field_label(f, language_name))
            preview = QLabel()
            preview.setWordWrap(True)
            preview.setStyleSheet(ORIGINAL_STYLE)
            preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            stale = QLabel(tr.STALE_MARK + " " + _("The original was changed after this translation: check it"))
            stale.setWordWrap(True)
            stale.setStyleSheet(STALE_STYLE)
            stale.hide()
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            column.addWidget(preview)
            column.addWidget(cell)
            column.addWidget(stale)
            self.originals[original.name] = preview
            self.stale_marks[original.name] = stale
            self.form.addRow(label, box)
        outer.addWidget(self.form_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.remove_button = QPushButton(_("Remove the {language} version").format(language=language_name(lang)))
        self.remove_button.clicked.connect(lambda: panel.remove_language(lang))
        buttons.addWidget(self.remove_button)
        outer.addLayout(buttons)
        outer.addStretch(1)

    def show_state(self, state: tr.LanguageState, written_in: str | None, values: dict, editable: bool) -> None:
        self.note.setVisible(state.original)
        self.form_box.setVisible(not state.original)
        self.remove_button.setVisible(not state.original)
        self.remove_button.setEnabled(editable and bool(state.present))
        for name, preview in self.originals.items():
            text = " ".join(str(values.get(name) or "").split())
            if len(text) > PREVIEW_CHARS:
                text = text[:PREVIEW_CHARS - 1].rstrip() + "…"
            where = language_name(written_in) if written_in else _("language not given")
            preview.setText(_("Original ({language}): {text}").format(language=where, text=text or "—"))
            self.stale_marks[name].setVisible(name in state.stale)


class TranslationsPanel(QWidget):
    """Tabs of the record's languages, under the editor's own fields."""

    def __init__(self, editor: "RecordEditor", lookup):
        super().__init__()
        self.editor = editor
        self.entity = editor.entity
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        heading = QLabel(_("Translations"))
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDocumentMode(True)
        self.pages: dict[str, LanguagePage] = {}
        for lang in TRANSLATION_LANGUAGES:
            page = LanguagePage(self, lang, lookup)
            self.pages[lang] = page
            self.tabs.addTab(page, language_name(lang))
        layout.addWidget(self.tabs)
        self._shown_for: str | None = "?"
        self._draft = False
        self._clocks: dict = {}
        editor.loaded.connect(self.refresh)
        editor.saved.connect(self.refresh)
        editor.record_changed.connect(self._record_changed)

    def _record_changed(self, _row_id: str | None) -> None:
        """A new record is written in the interface language unless the person says
        otherwise (the schema's fixed default would tag a Spanish text as English)."""
        editor, name = self.editor, self.entity.language_field
        if self._draft and editor.row_id is not None:
            self._shown_for = editor.row_id  # a draft just created here: nothing may move under the pointer
        self._draft = editor.is_draft
        reader = tr.reader_language()
        field = self.entity.field(name)
        if (editor.is_draft and name not in editor.defaults and editor.store.catalog.has(field.ref_list or "", reader)
                and editor.inputs[name].raw() in (None, "", field.default)):
            editor.inputs[name].show(reader)
        self.refresh()

    # ------------------------------------------------------------------ state
    def row(self) -> dict:
        """What the editor shows, with the clocks last read from the store (a draft not
        yet created: what is typed in its inputs)."""
        if self.editor.is_draft:
            return {name: inp.raw() for name, inp in self.editor.inputs.items()}
        return dict(self.editor.values) | {"field_clocks": self._clocks}

    def refresh(self) -> None:
        """Redraw marks from the editor's values, then again with the stored clocks
        (they decide staleness), read off the UI thread."""
        self._draw()
        row_id = self.editor.row_id
        if row_id is None:
            self._clocks = {}
            return
        store, name = self.editor.store, self.entity.name

        def read() -> dict:
            row = store.get(name, row_id)
            return (row or {}).get("field_clocks") or {}

        def show(clocks: dict) -> None:
            if row_id == self.editor.row_id:
                self._clocks = clocks
                self._draw()

        self.editor.bridge.read(read, show)

    def _draw(self) -> None:
        row = self.row()
        written_in = tr.original_language(self.entity, row)
        editable = not self.editor.read_only and not self.editor.is_deleted
        existing = []
        for i, lang in enumerate(TRANSLATION_LANGUAGES):
            st = tr.state(self.entity, row, lang)
            self.pages[lang].show_state(st, written_in, row, editable)
            name = language_name(lang)
            if st.original:
                text, tip = _("{language} (original)").format(language=name), _("The language the record is written in")
            elif st.is_stale:
                text, tip = f"{name} {tr.STALE_MARK}", _("Older than the original's last change")
            elif st.complete:
                text, tip = f"{name} {COMPLETE_MARK}", _("Complete translation")
            elif st.exists:
                text, tip = f"{name} {PARTIAL_MARK}", _("Partial translation")
            else:
                text, tip = name, _("No translation yet: type one here")
            self.tabs.setTabText(i, text)
            self.tabs.setTabToolTip(i, tip)
            if st.exists and not st.original:
                existing.append(text)
        if written_in:
            summary = _("Written in {language}.").format(language=language_name(written_in))
        else:
            summary = _("Say which language the record is written in (“Written in”) so readers know it.")
        if existing:
            summary += " " + _("Translated into: {languages}").format(languages=", ".join(existing))
        self.summary.setText(summary)
        # A record just opened shows the reader's language first (or the first one it lacks).
        if self._shown_for != self.editor.row_id:
            self._shown_for = self.editor.row_id
            reader = tr.reader_language()
            target = reader if reader in self.pages and reader != written_in else next(
                (lang for lang in TRANSLATION_LANGUAGES if lang != written_in), TRANSLATION_LANGUAGES[0])
            self.tabs.setCurrentWidget(self.pages[target])

    # ------------------------------------------------------------------ editing
    def remove_language(self, lang: str) -> None:
        """Empty every field of the `lang` version, as one step Undo brings back."""
        editor = self.editor
        if editor.row_id is None or editor.read_only or editor.is_deleted:
            return
        changes = tr.removal(self.entity, editor.values, lang)
        if not changes:
            return
        name = language_name(lang)
        if not dialogs.confirm(self, _("Remove the {language} version").format(language=name),
                               _("Remove the {language} translation of this record? You can undo this with Ctrl+Z.")
                               .format(language=name), action=_("Remove")):
            return
        stack = editor.undo_stack
        stack.beginMacro(_("Remove the {language} version").format(language=name))
        for field_name in changes:
            stack.push(FieldEdit(editor, editor.row_id, field_name, editor.values.get(field_name), None, ("", "")))
            editor.inputs[field_name].show(None)
        stack.endMacro()
        self._draw()
