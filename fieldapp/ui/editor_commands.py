"""The undo commands of the record editor: each one writes through to the store, so
undo and redo change the database, not just the widgets.

Apart from editor.py so that the translations panel, which pushes the same commands,
and the editor, which holds that panel, do not import each other.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from fieldapp.core.translations import field_label
from fieldapp.i18n import _

if TYPE_CHECKING:
    from fieldapp.ui.editor import RecordEditor


class FieldEdit(QUndoCommand):
    def __init__(self, editor: "RecordEditor", row_id: str, name: str, old: Any, new: Any, titles: tuple[str, str]):
        super().__init__(_("Change {label}").format(label=field_label(editor.entity.field(name))))
        self.editor, self.row_id, self.name, self.old, self.new = editor, row_id, name, old, new
        self.old_title, self.new_title = titles
        self._first = True

    def redo(self) -> None:
        self.editor._write_field(self.row_id, self.name, self.new, self.new_title, show=not self._first)
        self._first = False

    def undo(self) -> None:
        self.editor._write_field(self.row_id, self.name, self.old, self.old_title, show=True)


class CreateRecord(QUndoCommand):
    def __init__(self, editor: "RecordEditor", row_id: str, values: dict):
        super().__init__(_("Create {what}").format(what=_(editor.entity.label).lower()))
        self.editor, self.row_id, self.values = editor, row_id, values
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.editor._insert(self.row_id, self.values)
        else:
            self.editor._set_deleted(self.row_id, False)

    def undo(self) -> None:
        self.editor._set_deleted(self.row_id, True, _("Redo (Ctrl+Shift+Z) brings it back."))


class DeleteRecord(QUndoCommand):
    def __init__(self, editor: "RecordEditor", row_id: str):
        super().__init__(_("Delete {what}").format(what=_(editor.entity.label).lower()))
        self.editor, self.row_id = editor, row_id

    def redo(self) -> None:
        self.editor._set_deleted(self.row_id, True, _("Undo (Ctrl+Z) restores it."))

    def undo(self) -> None:
        self.editor._set_deleted(self.row_id, False)
