"""The form filler: one submission on screen, built from its own definition version.

A page per top-level group (a page list on the side, Previous/Next below), repeats
with Add and Remove, relevance and constraints re-evaluated on every keystroke by
`fieldapp.forms.form_state.FormState` (hidden questions vanish and lose their answer, a
broken rule shows its message beside the question), calculated notes updated live.

Nothing typed is lost: every change marks the draft dirty and a 300 ms timer writes
`form_submission.answers` through the store's writer thread; leaving a question,
switching submission, hiding or closing the filler write at once. "Finalise" runs
`validate_all` and lists each problem (a click goes to the page and the question);
only a clean submission becomes final (read-only until reopened as a draft).

The header shows the review state and the reviewer's comment; with `can_review` the
same header lets a reviewer set them. Loading (the row, its definition, the linked
organisation's coordinates, and building the FormState) runs off the UI thread.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from shiboken6 import isValid
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox,
    QPlainTextEdit, QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget,
)

from fieldapp.core.attachments import store_file
from fieldapp.core.schema import SUBMISSION_REVIEW
from fieldapp.forms.definition import Repeat
from fieldapp.forms.form_state import Change, FormState, Item, Problem
from fieldapp.forms.errors import FormStateError, VersionError
from fieldapp.forms.versions import open_submission
from fieldapp.i18n import _, language, ngettext
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import choice_label
from fieldapp.ui.question_inputs import AttachmentQuestion, GeopointQuestion
from fieldapp.ui.wheel_guard import guard as guard_wheel
from fieldapp.ui.form_rows import ERROR_STYLE, HINT_STYLE, InstanceRow, QuestionRow, RepeatRow, Row, make_row

AUTOSAVE_MS = 300
log = logging.getLogger(__name__)
Key = tuple[str, str]  # (item kind, path)


def review_text(state: str | None) -> str:
    """A review state as people read it ('has_issues' -> 'Has issues')."""
    return choice_label(state) if state else _("Not reviewed yet")


def load_submission(store, row_id: str, lang: str) -> dict:
    """Everything the filler needs to show a submission (runs in a worker thread)."""
    row = store.get("form_submission", row_id)
    if row is None:
        raise KeyError(_("this submission no longer exists"))
    definition = store.get("form_definition", row["definition_id"]) if row.get("definition_id") else None
    definitions = {definition["id"]: definition} if definition else {}
    result: dict[str, Any] = {"row": row, "definition": definition, "state": None, "error": None, "linked": None}
    try:
        result["state"] = open_submission(row, definitions, language=lang)
    except (VersionError, FormStateError) as e:
        result["error"] = str(e)
    result["linked"] = linked_location(store, row)
    return result


def linked_location(store, row: dict) -> tuple[float, float, str] | None:
    """(lat, lon, name) of the organisation holding the submission's project, when it
    has coordinates: what a geopoint can be filled from."""
    project_id = row.get("project_id")
    project = store.get("project", project_id) if project_id else None
    holder_id = project.get("holder_id") if project else None
    org = store.get("organisation", holder_id) if holder_id else None
    if org and org.get("latitude") is not None and org.get("longitude") is not None:
        return float(org["latitude"]), float(org["longitude"]), org.get("name") or ""
    return None


class ReviewBox(QFrame):
    """The review state and the reviewer's comment: editable for reviewers, read-only
    for the author."""

    save_requested = Signal(object, str)  # state (or None), comment

    def __init__(self, can_review: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.can_review = can_review
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("Review"))
        layout.addWidget(self.summary)
        self.editor = QWidget()
        row = QHBoxLayout(self.editor)
        row.setContentsMargins(0, 0, 0, 0)
        self.state = QComboBox()
        guard_wheel(self.state)
        self.state.setAccessibleName(_("Review state"))
        self.state.addItem(_("Not reviewed yet"), None)
        for code in SUBMISSION_REVIEW:
            self.state.addItem(choice_label(code), code)
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText(_("Comment for the author"))
        self.comment.setAccessibleName(_("Reviewer's comment"))
        self.comment.setMaximumHeight(64)
        self.comment.setTabChangesFocus(True)
        self.save = QPushButton(_("Save the review"))
        row.addWidget(QLabel(_("Review:")))
        row.addWidget(self.state)
        row.addWidget(self.comment, 1)
        row.addWidget(self.save)
        layout.addWidget(self.editor)
        self.editor.setVisible(can_review)
        self.save.clicked.connect(lambda: self.save_requested.emit(self.state.currentData(),
                                                                   self.comment.toPlainText().strip()))

    def set_can_review(self, can_review: bool) -> None:
        """The logged-in account changed (a reviewer logged in, say)."""
        self.can_review = can_review
        self.editor.setVisible(can_review)

    def show_review(self, state: str | None, comment: str | None) -> None:
        text = _("Review: {state}").format(state=review_text(state))
        if comment:
            text += "\n" + _("Reviewer's comment: {comment}").format(comment=comment)
        self.summary.setText(text)
        self.summary.setVisible(bool(state or comment) and not self.can_review)  # reviewers see the editor
        colour = {"approved": "#2e7d32", "has_issues": "#b26a00", "rejected": "#c62828"}.get(state or "")
        self.summary.setStyleSheet(f"color: {colour};" if colour else "")
        if self.can_review:
            idx = self.state.findData(state)
            self.state.setCurrentIndex(max(idx, 0))
            self.comment.setPlainText(comment or "")


class FormFiller(QWidget):
    """See the module docstring. `open_submission(row_id)` shows one; `opened` fires
    when its first page is on screen."""

    opened = Signal(str)  # submission id, first page shown
    saved = Signal(str)  # submission id, answers committed to the database
    status_changed = Signal(str, str)  # submission id, new status

    def __init__(self, bridge: StoreBridge, *, can_review: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.can_review = can_review
        self.row_id: str | None = None
        self.row: dict | None = None
        self.state: FormState | None = None
        self.page = 0
        self.rows: dict[Key, Row] = {}
        self._keys: list[Key] = []
        self._linked: tuple[float, float, str] | None = None
        self._dirty = False
        self._in_flight = 0
        self._last_saved: dict | None = None
        self._show_required = False
        self._loading_token = 0
        self._loading = False
        self.file_chooser: Callable[[str], str | None] = self._choose_file  # replaced in tests
        self.confirm: Callable[[str], bool] = self._confirm  # replaced in tests
        self._save_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._save_timer.timeout.connect(self.flush)
        self._build()
        bridge.changed.connect(self._on_store_change)
        self._show_empty(_("Choose a submission in the list, or start a new one."))

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setStyleSheet(HINT_STYLE)
        self.review = ReviewBox(self.can_review)
        self.review.save_requested.connect(self.save_review)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setStyleSheet("background: #fff3cd; color: #5c4400; padding: 6px; border-radius: 4px;")
        self.notice.setVisible(False)
        self.problems = QListWidget()
        self.problems.setAccessibleName(_("Problems to fix before finalising"))
        self.problems.setMaximumHeight(130)
        self.problems.setVisible(False)
        self.problems.itemActivated.connect(self._problem_clicked)
        self.problems.itemClicked.connect(self._problem_clicked)
        for w in (self.title, self.subtitle, self.review, self.notice, self.problems):
            outer.addWidget(w)

        self.page_list = QListWidget()
        self.page_list.setAccessibleName(_("Pages"))
        self.page_list.setMinimumWidth(150)
        self.page_list.setMaximumWidth(260)
        self.page_list.setWordWrap(True)
        self.page_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_list.currentRowChanged.connect(self._page_list_changed)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(12, 4, 12, 12)
        self.page_title = QLabel()
        self.page_title.setTextFormat(Qt.TextFormat.PlainText)
        self.page_title.setWordWrap(True)
        font = self.page_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.page_title.setFont(font)
        self.page_hint = QLabel()
        self.page_hint.setWordWrap(True)
        self.page_hint.setStyleSheet(HINT_STYLE)
        self.rows_box = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(6)
        self.body_layout.addWidget(self.page_title)
        self.body_layout.addWidget(self.page_hint)
        self.body_layout.addWidget(self.rows_box)
        self.body_layout.addStretch(1)
        # Read-only answers (final submissions, calculated questions) look read-only.
        self.body.setStyleSheet("QLineEdit:read-only, QPlainTextEdit[readOnly=\"true\"] "
                                "{ background: palette(window); }")
        self.scroll.setWidget(self.body)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.page_list)
        split.addWidget(self.scroll)
        split.setStretchFactor(1, 1)
        split.setSizes([190, 700])
        outer.addWidget(split, 1)

        bar = QHBoxLayout()
        self.previous = QPushButton(_("← Previous"))
        self.next = QPushButton(_("Next →"))
        self.position = QLabel()
        self.save_state = QLabel()
        self.save_state.setStyleSheet(HINT_STYLE)
        self.finalise_button = QPushButton(_("Finalise"))
        self.finalise_button.setToolTip(_("Check every answer and mark the submission final"))
        self.reopen_button = QPushButton(_("Reopen as draft"))
        self.previous.clicked.connect(lambda: self.go_to_page(self._neighbour(-1)))
        self.next.clicked.connect(lambda: self.go_to_page(self._neighbour(+1)))
        self.finalise_button.clicked.connect(self.finalise)
        self.reopen_button.clicked.connect(self.reopen)
        for w in (self.previous, self.next, self.position):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.save_state)
        bar.addWidget(self.finalise_button)
        bar.addWidget(self.reopen_button)
        outer.addLayout(bar)
        for keys, step in (("Ctrl+PgDown", +1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.state and self.go_to_page(self._neighbour(step)))
        self.previous.setToolTip(_("Previous page (Ctrl+Page Up)"))
        self.next.setToolTip(_("Next page (Ctrl+Page Down)"))
        self._form_widgets = [split, self.previous, self.next, self.position, self.finalise_button,
                              self.reopen_button, self.review, self.problems]

    def _show_empty(self, text: str) -> None:
        self.title.setText(text)
        self.subtitle.setText("")
        for w in self._form_widgets:
            w.setVisible(False)

    # ------------------------------------------------------------------ opening
    def open_submission(self, row_id: str) -> None:
        """Show a submission (saving the one on screen first). Loads off the UI thread."""
        if row_id == self.row_id and (self.state is not None or self._loading):
            return
        self.flush()
        self._clear_rows()
        self.row_id, self.row, self.state = row_id, None, None
        self._show_required = False
        self._show_empty(_("Opening…"))
        self._loading_token += 1
        self._loading = True
        token, store, lang = self._loading_token, self.store, language()
        self.bridge.read(lambda: load_submission(store, row_id, lang),
                         lambda result: self._loaded(token, result),
                         lambda error: self._load_failed(token, error))

    def close_submission(self) -> None:
        self.flush()
        self._clear_rows()
        self.row_id, self.row, self.state = None, None, None
        self._show_empty(_("Choose a submission in the list, or start a new one."))

    def _load_failed(self, token: int, error: BaseException) -> None:
        if isValid(self) and token == self._loading_token:
            self._loading = False
            self._show_empty(_("This submission cannot be opened: {reason}").format(reason=error))

    def _loaded(self, token: int, result: dict) -> None:
        if not isValid(self) or token != self._loading_token:
            return  # another submission was asked for meanwhile
        self._loading = False
        row = result["row"]
        self.row = row
        self._linked = result["linked"]
        if result["state"] is None:
            self._show_empty(result["error"] or _("This submission cannot be opened"))
            self.subtitle.setText(row.get("title") or "")
            return
        self.state = result["state"]
        self._last_saved = row.get("answers") or {}
        for w in self._form_widgets:
            w.setVisible(True)
        self.problems.setVisible(False)
        self.notice.setVisible(False)
        self._show_header()
        self._fill_page_list()
        self.page = self.state.first_page()
        self._render(full=True)
        self.opened.emit(row["id"])

    def _show_header(self) -> None:
        row, state = self.row, self.state
        assert row is not None and state is not None
        self.title.setText(row.get("title") or _("(untitled)"))
        form_title = state.definition.title_in(state.language)
        self.subtitle.setText(_("{form} · version {version} · {status}").format(
            form=form_title or row.get("form_id"), version=row.get("form_version"),
            status=choice_label(row.get("status") or "draft")))
        self.review.show_review(row.get("review_state"), row.get("review_comment"))
        final = self.is_final
        self.finalise_button.setVisible(not final)
        self.reopen_button.setVisible(final)
        if final:
            self.notice.setText(_("This submission is final. Reopen it as a draft to change an answer."))
        self.notice.setVisible(final)

    @property
    def is_final(self) -> bool:
        return bool(self.row and self.row.get("status") == "final")

    # ------------------------------------------------------------------ pages
    def _page_label(self, page) -> str:
        if page.name is None and len(page.names) == 1 and self.state is not None:
            el = self.state.form.meta[page.names[0]].element
            if isinstance(el, Repeat):
                return self.state.label(page.names[0]) or page.label
        return page.label

    def _fill_page_list(self) -> None:
        assert self.state is not None
        self.page_list.blockSignals(True)
        self.page_list.clear()
        for page in self.state.pages():
            item = QListWidgetItem(self._page_label(page))
            item.setHidden(not page.visible)
            self.page_list.addItem(item)
        self.page_list.blockSignals(False)

    def _update_page_list(self) -> None:
        """Hidden pages leave the list; once finalising was tried, each page says how
        many answers on it still need attention (and the problem list follows)."""
        assert self.state is not None
        per_page: dict[int, int] = {}
        if self._show_required and not self.is_final:
            problems = self.state.validate_all(language())
            for p in problems:
                try:
                    per_page[self.state.page_of(p.path)] = per_page.get(self.state.page_of(p.path), 0) + 1
                except FormStateError:
                    pass
            if self.problems.isVisible():
                self._list_problems(problems)
        for page in self.state.pages():
            item = self.page_list.item(page.index)
            if item is not None:
                item.setHidden(not page.visible)
                label = self._page_label(page)
                if per_page.get(page.index):
                    label = ngettext("{page} ({n} to fix)", "{page} ({n} to fix)", per_page[page.index]).format(
                        page=label, n=per_page[page.index])
                if item.text() != label:
                    item.setText(label)
                    item.setForeground(QColor("#c62828") if per_page.get(page.index) else self.palette().text())

    def _list_problems(self, problems: list[Problem]) -> None:
        current = [self.problems.item(i).data(Qt.ItemDataRole.UserRole + 1) for i in range(self.problems.count())]
        texts = [_("{question}: {problem}").format(question=p.label or p.name, problem=p.message) for p in problems]
        if texts == current:
            return
        self.problems.clear()
        for p, text in zip(problems, texts):
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, p.path)
            item.setData(Qt.ItemDataRole.UserRole + 1, text)
            item.setToolTip(p.path)
            self.problems.addItem(item)
        self.problems.setVisible(bool(problems))
        if not problems:
            self.notice.setText(_("Every answer is in order: the submission can be finalised."))

    def _page_list_changed(self, index: int) -> None:
        if index >= 0 and index != self.page:
            self.go_to_page(index)

    def _neighbour(self, step: int) -> int:
        assert self.state is not None
        pages = self.state.pages()
        i = self.page + step
        while 0 <= i < len(pages):
            if pages[i].visible:
                return i
            i += step
        return self.page

    def go_to_page(self, index: int) -> None:
        """Show page `index` from its top, the keyboard on its first question (so
        Ctrl+Page Down/Up go on working from the keyboard)."""
        if self.state is None or index == self.page and self.rows:
            return
        self._release_focus()
        self.flush()
        self.page = index
        self._clear_rows()
        self._render(full=True)
        targets = (r.input.focus_target() for r in self.rows.values() if isinstance(r, QuestionRow))
        first = next((t for t in targets if t.isEnabled() and t.focusPolicy() != Qt.FocusPolicy.NoFocus), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.scroll.setFocus(Qt.FocusReason.OtherFocusReason)
        self._scroll_to_top()

    def _scroll_to_top(self) -> None:
        """At once and again once the new rows are laid out (a layout pass that comes
        later would otherwise leave the page half scrolled)."""
        bar = self.scroll.verticalScrollBar()
        bar.setValue(0)
        QTimer.singleShot(0, lambda: isValid(bar) and bar.setValue(0))

    def _release_focus(self) -> None:
        """Let the focused input finish its edit (its answer is recorded and may change
        the page) before its row goes; otherwise the focus hops from row to row as they
        are removed, and each input it leaves reports an edit in the middle of it."""
        focused = self.focusWidget()
        if focused is not None and self.rows_box.isAncestorOf(focused):
            focused.clearFocus()

    def _clear_rows(self) -> None:
        self._release_focus()
        rows, self.rows = self.rows, {}
        self._keys = []
        for row in rows.values():
            # hidden and deleted in place: made a window of its own (setParent(None)), a
            # row would take the active window away from the form for a moment
            row.hide()
            self.rows_layout.removeWidget(row)
            row.deleteLater()

    # ------------------------------------------------------------------ drawing
    def _render(self, *, full: bool = False, change: Change | None = None, source: str | None = None) -> None:
        """Bring the page in line with the state: rows appear, vanish or move (kept
        widgets keep their focus), labels, values and messages are refreshed."""
        state = self.state
        assert state is not None
        pages = state.pages()
        if not 0 <= self.page < len(pages):
            self.page = state.first_page()
        page = pages[self.page]
        items = state.page_items(self.page)
        top = items[0] if items and items[0].kind in ("group", "repeat") and items[0].depth == 0 \
            and len(page.names) == 1 else None
        if top is not None and top.kind == "group":  # the page title says it; the heading would repeat it
            items = items[1:]
        self.page_title.setText(self._page_label(page))
        shows_hint = top is not None and top.kind == "group"
        self.page_hint.setText(top.hint if shows_hint else "")
        self.page_hint.setVisible(bool(shows_hint and top.hint))
        keys = [(it.kind, it.path) for it in items]
        structure_changed = keys != self._keys
        if structure_changed:
            self._arrange(items, keys)
            full = True
        read_only = self.is_final
        for item in items:
            row = self.rows[(item.kind, item.path)]
            row.update_item(item)
            if isinstance(row, RepeatRow) and item is top:  # a repeat alone on its page: titled by the page
                row.title.setVisible(False)
            row.set_read_only(read_only)
            if isinstance(row, QuestionRow):
                self._refresh_question(row, item, full, change, source)
        self._update_page_list()
        self.page_list.blockSignals(True)
        self.page_list.setCurrentRow(self.page)
        self.page_list.blockSignals(False)
        visible = [p.index for p in pages if p.visible]
        self.previous.setEnabled(bool(visible) and self.page > visible[0])
        self.next.setEnabled(bool(visible) and self.page < visible[-1])
        self.position.setText(_("Page {n} of {total}").format(
            n=visible.index(self.page) + 1 if self.page in visible else "–", total=len(visible)))

    def _arrange(self, items: list[Item], keys: list[Key]) -> None:
        wanted = set(keys)
        for key in list(self.rows):
            if key not in wanted:
                row = self.rows.pop(key)
                row.hide()
                self.rows_layout.removeWidget(row)
                row.deleteLater()
        while self.rows_layout.count():
            self.rows_layout.takeAt(0)
        for item, key in zip(items, keys):
            row = self.rows.get(key)
            if row is None:
                row = self._make_row(item)
                self.rows[key] = row
            self.rows_layout.addWidget(row)
            row.show()  # now, not at the next event loop turn: focus and tests need it
        self._keys = keys

    def _make_row(self, item: Item) -> Row:
        state = self.state
        assert state is not None
        choices = state.choices(item.path) if item.kind == "question" and item.type and \
            item.type.startswith("select_") else None
        row = make_row(item, choices)
        if isinstance(row, QuestionRow):
            row.input.edited.connect(lambda r=row: self._edited(r))
            row.input.committed.connect(self.flush)
            if isinstance(row.input, AttachmentQuestion):
                row.input.attach_requested.connect(lambda r=row: self.attach_file(r.path))
            if isinstance(row.input, GeopointQuestion):
                linked = self._linked
                row.input.offer_linked((linked[0], linked[1]) if linked else None,
                                       _("Use the location of {name}").format(name=linked[2]) if linked and linked[2]
                                       else _("Use the organisation's location"))
        elif isinstance(row, RepeatRow):
            row.add_clicked.connect(self.add_entry)
        elif isinstance(row, InstanceRow):
            row.remove_clicked.connect(self.remove_entry)
        return row

    def _refresh_question(self, row: QuestionRow, item: Item, full: bool, change: Change | None,
                          source: str | None) -> None:
        state = self.state
        assert state is not None
        path = item.path
        if item.type and item.type.startswith("select_") and state.form.meta[item.name].exprs.get("choice_filter"):
            row.input.set_choices(state.choices(path))
        if path != source and (full or (change is not None and (path in change.paths or item.name in change.names))):
            row.show_value(item)
        problems = state.check(path)
        if not self._show_required:
            problems = [p for p in problems if p.code != "required"]
        row.set_message("\n".join(p.message for p in problems))

    # ------------------------------------------------------------------ answering
    def _edited(self, row: QuestionRow) -> None:
        if self.state is None or self.is_final:
            return
        try:
            change = self.state.set_answer(row.path, row.input.value())
        except FormStateError as e:
            row.set_message(str(e))
            return
        except Exception as e:  # noqa: BLE001 - a fault in the form's rules must not lose the answer
            # The engine stores the answer before it recomputes what depends on it, so
            # the answer is there: save it, redraw everything, and say what went wrong.
            log.exception("re-evaluating the form after answering %s failed", row.path)
            self._mark_dirty()
            self._render(full=True)
            row.set_message(_("Your answer is kept, but a rule of the form could not be worked out: {reason}").format(
                reason=e))
            return
        self._mark_dirty()
        self._render(change=change, source=row.path)

    def set_answer(self, path: str, value: Any) -> None:
        """Answer a question as the person would through its input (keyboard helpers,
        tests): the input shows it, the state records it, the draft is saved."""
        row = self.row_for(path)
        if row is None:
            raise KeyError(path)
        row.input.show(value)
        self._edited(row)

    def add_entry(self, path: str) -> str | None:
        if self.state is None or self.is_final:
            return None
        try:
            new = self.state.add_repeat(path)
        except FormStateError as e:
            self.save_state.setText(str(e))
            return None
        self._mark_dirty()
        self._render(full=True)
        first = next((r for (k, p), r in self.rows.items() if k == "question" and p.startswith(new + "/")), None)
        if isinstance(first, QuestionRow):
            self.scroll.ensureWidgetVisible(first)
            first.input.focus_target().setFocus()
        return new

    def remove_entry(self, path: str) -> None:
        if self.state is None or self.is_final:
            return
        label = self.rows.get(("instance", path))
        entry = label.item.label if label is not None else path
        prefix = path + "/"
        has_answers = any(p.startswith(prefix) for p, _v in self.state.iter_answers())
        if has_answers and not self.confirm(_("Remove {entry} and its answers?").format(entry=entry)):
            return
        try:
            self.state.remove_repeat(path)
        except FormStateError as e:
            self.save_state.setText(str(e))
            return
        self._mark_dirty()
        self.flush()
        self._render(full=True)

    def attach_file(self, path: str) -> None:
        """Ask for a file, copy it into the data folder on the writer thread, then
        record {"name", "sha256", "size", "mime"} as the answer."""
        if self.state is None or self.is_final:
            return
        chosen = self.file_chooser(path)
        if not chosen:
            return
        source = Path(chosen)
        row_id = self.row_id
        self.save_state.setText(_("Copying {name}…").format(name=source.name))

        def done(result: tuple[str, int, str]) -> None:
            if not isValid(self) or row_id != self.row_id:
                return
            sha, size, mime = result
            row = self.row_for(path)
            value = {"name": source.name, "sha256": sha, "size": size, "mime": mime}
            if row is not None and isinstance(row.input, AttachmentQuestion):
                row.input.set_file(value)
            else:  # the page changed meanwhile: record it all the same
                try:
                    self.state.set_answer(path, value)
                    self._mark_dirty()
                    self.flush()
                except FormStateError:
                    pass
            self.save_state.setText(_("{name} attached").format(name=source.name))

        def failed(error: BaseException) -> None:
            if not isValid(self):
                return
            self.save_state.setText(_("{name} could not be attached: {reason}").format(name=source.name,
                                                                                       reason=error))
            self.save_state.setStyleSheet(ERROR_STYLE)

        self.bridge.write(store_file, self.store, source, on_done=done, on_error=failed)

    def _choose_file(self, path: str) -> str | None:
        name, _filter = QFileDialog.getOpenFileName(self, _("Attach a file"))
        return name or None

    def _confirm(self, text: str) -> bool:
        return QMessageBox.question(self, _("Remove"), text) == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ saving
    def _mark_dirty(self) -> None:
        self._dirty = True
        self.save_state.setStyleSheet(HINT_STYLE)
        self.save_state.setText(_("Editing…"))
        self._save_timer.start()

    def flush(self) -> None:
        """Write the answers now if anything changed since the last write."""
        self._save_timer.stop()
        if not self._dirty or self.state is None or self.row_id is None:
            return
        self._dirty = False
        answers = self.state.to_answers()
        self._write({"answers": answers} | self._record_fields(answers), answers)

    def _record_fields(self, answers: dict) -> dict:
        """The submission's own country, from the form's "country" question when the
        record has none yet: the region it belongs to (and syncs within) follows."""
        row = self.row or {}
        code = answers.get("country")
        if row.get("country") is None and isinstance(code, str) and self.store.catalog.has("country", code):
            return {"country": code}
        return {}

    @property
    def has_unsaved(self) -> bool:
        return self._dirty or self._in_flight > 0

    def _write(self, changes: dict, answers: dict | None, then: Callable[[dict], None] | None = None) -> None:
        row_id = self.row_id
        self._in_flight += 1
        self.save_state.setText(_("Saving…"))

        def done(row: dict) -> None:
            if not isValid(self):
                return  # the window went away; the answers are in the database all the same
            self._in_flight -= 1
            if answers is not None and row_id == self.row_id:
                self._last_saved = answers
            if row_id == self.row_id:
                self.row = row
                if not self.has_unsaved:
                    self.save_state.setStyleSheet(HINT_STYLE)
                    self.save_state.setText(_("Draft saved") if row.get("status") != "final" else _("Saved"))
            self.saved.emit(row_id)
            if then is not None:
                then(row)

        def failed(error: BaseException) -> None:
            if not isValid(self):
                return
            self._in_flight -= 1
            if answers is not None and row_id == self.row_id:
                self._dirty = True  # tried again on the next change or flush
            self.save_state.setStyleSheet(ERROR_STYLE)
            self.save_state.setText(_("Not saved: {reason}").format(reason=error))

        self.bridge.write(self.store.update, "form_submission", row_id, changes, on_done=done, on_error=failed)

    # ------------------------------------------------------------------ finalising
    def finalise(self) -> list[Problem]:
        """Check everything; list the problems, or mark the submission final."""
        if self.state is None or self.is_final:
            return []
        problems = self.state.validate_all(language())
        self._show_required = True
        if problems:
            self._list_problems(problems)
            self.problems.setVisible(True)
            self.notice.setText(ngettext(
                "The submission cannot be finalised yet: {n} answer needs attention. Click it to go to it.",
                "The submission cannot be finalised yet: {n} answers need attention. Click one to go to it.",
                len(problems)).format(n=len(problems)))
            self.notice.setVisible(True)
            self._render(full=True)
            return problems
        self.problems.setVisible(False)
        self._save_timer.stop()
        self._dirty = False
        answers = self.state.to_answers()
        row_id = self.row_id
        self._write({"answers": answers, "status": "final"} | self._record_fields(answers), answers,
                    then=lambda _row: self._status_written(row_id, "final"))
        return []

    def reopen(self) -> None:
        """A final submission back to draft, so it can be changed."""
        if self.row_id is None or not self.is_final:
            return
        row_id = self.row_id
        self._write({"status": "draft"}, None, then=lambda _row: self._status_written(row_id, "draft"))

    def _status_written(self, row_id: str | None, status: str) -> None:
        if row_id == self.row_id and self.state is not None:
            self._show_required = status == "final"
            self._show_header()
            self._render(full=True)
        if row_id:
            self.status_changed.emit(row_id, status)

    def _problem_clicked(self, item: QListWidgetItem) -> None:
        self.jump_to(item.data(Qt.ItemDataRole.UserRole))

    def jump_to(self, path: str) -> None:
        """Show the page holding `path` and put the keyboard on it."""
        if self.state is None:
            return
        try:
            page = self.state.page_of(path)
        except FormStateError:
            return
        if page != self.page:
            self.go_to_page(page)
        row = self.row_for(path)
        if row is not None:
            self.scroll.ensureWidgetVisible(row)
            row.input.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ review
    def save_review(self, state: str | None, comment: str) -> None:
        if not self.can_review or self.row_id is None:
            return
        self._write({"review_state": state, "review_comment": comment or None}, None,
                    then=lambda _row: self._show_header() if self.state is not None else None)

    # ------------------------------------------------------------------ news from elsewhere
    def _on_store_change(self, entity_name: str, row_id: str) -> None:
        if not isValid(self) or entity_name != "form_submission" or row_id not in (self.row_id, "*") \
                or self.state is None:
            return
        store, row_id = self.store, self.row_id  # "*": many rows changed at once (a large sync)
        self.bridge.read(lambda: store.get("form_submission", row_id), lambda row: self._external(row_id, row))

    def _external(self, row_id: str, row: dict | None) -> None:
        """A sync (or another window) changed the submission on screen: take its review,
        status and, when nothing is being typed here, its answers."""
        if not isValid(self) or row is None or row_id != self.row_id or self.state is None:
            return
        if row.get("deleted"):
            self._dirty = False
            self.close_submission()
            self.title.setText(_("This submission was deleted."))
            return
        answers = row.get("answers") or {}
        self.row = row
        if not self.has_unsaved and answers != self._last_saved:
            try:
                self.state = FormState(self.state.definition, answers, language=self.state.language)
            except FormStateError:
                pass
            else:
                self._last_saved = answers
                self._render(full=True)
        self._show_header()
        self._render()

    # ------------------------------------------------------------------ helpers
    def row_for(self, path: str) -> QuestionRow | None:
        row = self.rows.get(("question", path))
        return row if isinstance(row, QuestionRow) else None

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.flush()
        super().hideEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.flush()
        super().closeEvent(event)
