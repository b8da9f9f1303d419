"""Meeting capture mode: one screen for a facilitator in the room. Register people fast
(known contacts by completion, or new names), note the agenda, decisions with their
outcome and actions with an owner and due date, capture a practice in a few fields,
and watch the attendance by gender and youth add up."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication, QCompleter, QFormLayout, QHeaderView, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QSplitter, QTabWidget,
    QVBoxLayout, QWidget,
)

from fieldapp.core.counts import Attendance, attendance
from fieldapp.core.fieldspec import ValidationError
from fieldapp.core.schema import AGE_GROUPS, DECISION_OUTCOMES, GENDERS, entity
from fieldapp.i18n import _, ngettext
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.child_panel import ChildPanel
from fieldapp.ui.display import choice_label, date_text
from fieldapp.ui.editor import ERROR_STYLE
from fieldapp.ui.record_inputs import FieldInput, make_input
from fieldapp.ui.lookup import make_lookup
from fieldapp.ui.pickers import CodeCombo, OptionalDateEdit



class ClickThrough(QObject):
    """A click outside a completion popup closes it and lands where it was aimed.

    Qt's popup swallows that click: the keyboard stayed in the name field, so what the
    person then typed for the organisation became the participant's name."""

    def eventFilter(self, popup: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.MouseButtonPress or not isinstance(popup, QWidget):
            return False
        where = event.globalPosition().toPoint()
        if popup.rect().contains(popup.mapFromGlobal(where)):
            return False
        popup.hide()
        target = QApplication.widgetAt(where)
        if target is not None and target.focusPolicy() & Qt.FocusPolicy.ClickFocus:
            target.setFocus(Qt.FocusReason.MouseFocusReason)
        return True


class ContactCompleter(QCompleter):
    """Completes a person's name from the contacts (FTS, off the UI thread); remembers
    which contact was picked."""

    contact_picked = Signal(dict)

    def __init__(self, bridge: StoreBridge, edit: QLineEdit):
        self.choices = QStandardItemModel()
        super().__init__(self.choices, edit)
        self.choices.setParent(self)
        self.bridge = bridge
        self.edit = edit
        self.contact: dict | None = None
        self.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        edit.setCompleter(self)
        self._click_through = ClickThrough(self)
        self.popup().installEventFilter(self._click_through)  # after QCompleter's own: runs first
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self._ask)
        edit.textEdited.connect(self._typed)
        self.activated[QModelIndex].connect(self._chosen)

    def _typed(self, _text: str) -> None:
        self.contact = None
        self.choices.clear()  # stale names must not catch the Enter meant to register
        self.popup().hide()
        self._timer.start()

    def _ask(self) -> None:
        text = self.edit.text().strip()
        if len(text) < 2:
            return
        store = self.bridge.store

        def find() -> list[dict]:
            hits = store.search(text, entities=["contact"], limit=12)
            rows = store.rows("contact", [h.row_id for h in hits])
            orgs = {r["id"]: r["name"] for r in store.rows("organisation", {c["organisation_id"] for c in rows if c.get("organisation_id")})}
            return [r | {"_organisation": orgs.get(r.get("organisation_id") or "", "")} for r in rows]

        self.bridge.read(find, self._offer)

    def _offer(self, rows: list[dict]) -> None:
        self.choices.clear()
        for r in rows:
            text = r["full_name"] + (f" — {r['_organisation']}" if r["_organisation"] else "")
            item = QStandardItem(text)
            item.setData(r, Qt.ItemDataRole.UserRole)
            item.setData(r["full_name"], Qt.ItemDataRole.EditRole)
            self.choices.appendRow(item)
        if rows and self.edit.hasFocus():
            self.complete()

    def _chosen(self, index: QModelIndex) -> None:
        row = index.data(Qt.ItemDataRole.UserRole)
        if row:
            self.contact = row
            self.edit.setText(row["full_name"])
            self.contact_picked.emit(row)


QUICK_PRACTICE_EXTRAS = ("summary",)  # besides the required fields: a line or two of what it is


def quick_practice_fields() -> list:
    """The few fields of a practice captured in the room: the schema's required fields
    (without a default), then the short description."""
    practice = entity("practice")
    required = [f for f in practice.fields if f.required and f.default is None]
    return required + [practice.field(name) for name in QUICK_PRACTICE_EXTRAS if practice.field(name) not in required]


def _compact(combo: CodeCombo) -> None:
    """A short fixed list sized to its longest entry, leaving the room to the text fields."""
    combo.setSizeAdjustPolicy(CodeCombo.SizeAdjustPolicy.AdjustToContents)
    combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class CaptureView(QWidget):
    """Everything about one meeting, captured in the room."""

    back = Signal()
    counts_changed = Signal(object)  # Attendance

    def __init__(self, bridge: StoreBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.meeting: dict | None = None
        self.attendance = Attendance()
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = QPushButton(_("← Meetings"))
        self.back_button.setToolTip(_("Back to the list of meetings (Esc)"))
        self.back_button.setShortcut(Qt.Key.Key_Escape)
        self.back_button.clicked.connect(self.back.emit)
        self.heading = QLabel(_("No meeting"))
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        top.addWidget(self.back_button)
        top.addWidget(self.heading, 1)
        outer.addLayout(top)
        self.counts = QLabel()
        self.counts.setObjectName("attendance")
        self.counts.setStyleSheet("padding: 6px; border-radius: 4px; background: palette(alternate-base);")
        self.counts.setAccessibleName(_("Attendance"))
        outer.addWidget(self.counts)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)

        # Participants -------------------------------------------------------
        people = QWidget()
        people_layout = QVBoxLayout(people)
        people_layout.setContentsMargins(0, 0, 4, 0)
        people_layout.addWidget(_heading(_("Participants")))
        entry = QHBoxLayout()
        self.person_name = QLineEdit()
        self.person_name.setPlaceholderText(_("Name (type to find a contact)"))
        self.person_name.setAccessibleName(_("Participant's name"))
        self.person_org = QLineEdit()
        self.person_org.setPlaceholderText(_("Organisation"))
        self.person_org.setAccessibleName(_("Participant's organisation"))
        self.person_gender = CodeCombo([(g, choice_label(g)) for g in GENDERS], editable=False, empty_text=_("Gender"))
        self.person_gender.setAccessibleName(_("Gender"))
        self.person_age = CodeCombo([(a, choice_label(a)) for a in AGE_GROUPS], editable=False, empty_text=_("Age group"))
        self.person_age.setAccessibleName(_("Age group"))
        self.person_add = QPushButton(_("Register"))
        for combo in (self.person_gender, self.person_age):
            _compact(combo)
        # Two lines, so that each text field keeps room for a name on a laptop screen
        # with large system fonts: who (name, organisation), then gender, age, Register.
        entry.addWidget(self.person_name, 3)
        entry.addWidget(self.person_org, 2)
        people_layout.addLayout(entry)
        details = QHBoxLayout()
        for w in (self.person_gender, self.person_age):
            details.addWidget(w)
        details.addStretch(1)
        details.addWidget(self.person_add)
        people_layout.addLayout(details)
        self.contacts = ContactCompleter(self.bridge, self.person_name)
        self.contacts.contact_picked.connect(self._contact_picked)
        self.person_name.returnPressed.connect(self._enter_in_name)
        self.person_org.returnPressed.connect(self.register_from_form)
        self.person_add.clicked.connect(self.register_from_form)
        self.participants = ChildPanel(self.bridge, "meeting_participant", quick_field="name", placeholder="",
                                       quick_line=False, hide=("contact_id",))
        self.participants.model.loaded.connect(self._update_counts)
        people_layout.addWidget(self.participants, 1)
        self.people_message = QLabel()
        self.people_message.setStyleSheet(ERROR_STYLE)
        self.people_message.hide()
        people_layout.addWidget(self.people_message)
        splitter.addWidget(people)

        # Agenda, decisions, actions, practices --------------------------------
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.agenda = ChildPanel(self.bridge, "agenda_item", quick_field="title",
                                 placeholder=_("New agenda item, then Enter"),
                                 extra_values=lambda _t: {"position": self.agenda.model.rowCount() + 1})
        self.tabs.addTab(self.agenda, _("Agenda"))

        decisions = QWidget()
        dl = QVBoxLayout(decisions)
        d_entry = QHBoxLayout()
        self.decision_text = QLineEdit()
        self.decision_text.setPlaceholderText(_("Decision, then Enter"))
        self.decision_text.setAccessibleName(_("Decision"))
        self.decision_outcome = CodeCombo([(o, choice_label(o)) for o in DECISION_OUTCOMES], editable=False, empty_text="—")
        self.decision_outcome.set_code("adopted")
        _compact(self.decision_outcome)
        self.decision_outcome.setAccessibleName(_("Outcome"))
        self.decision_add = QPushButton(_("Add"))
        dl.addWidget(self.decision_text)  # the whole width: a decision is a sentence
        d_entry.addWidget(QLabel(_("Outcome:")))
        d_entry.addWidget(self.decision_outcome)
        d_entry.addStretch(1)
        d_entry.addWidget(self.decision_add)
        dl.addLayout(d_entry)
        self.decisions = ChildPanel(self.bridge, "decision", quick_field="text", placeholder="", quick_line=False,
                                    hide=("agenda_item_id",))
        dl.addWidget(self.decisions, 1)
        self.decision_text.returnPressed.connect(self.add_decision)
        self.decision_add.clicked.connect(self.add_decision)
        self.tabs.addTab(decisions, _("Decisions"))

        actions = QWidget()
        al = QVBoxLayout(actions)
        a_entry = QHBoxLayout()
        self.action_text = QLineEdit()
        self.action_text.setPlaceholderText(_("Action to take"))
        self.action_text.setAccessibleName(_("Action"))
        self.action_owner = QLineEdit()
        self.action_owner.setPlaceholderText(_("Owner"))
        self.action_owner.setAccessibleName(_("Owner"))
        self.owner_completer = ContactCompleter(self.bridge, self.action_owner)
        self.action_due = OptionalDateEdit()
        self.action_due.edit.setAccessibleName(_("Due date"))
        self.action_due.setToolTip(_("Due date"))
        self.action_add = QPushButton(_("Add"))
        al.addWidget(self.action_text)  # the whole width; owner and due date below
        a_entry.addWidget(self.action_owner, 1)
        a_entry.addWidget(self.action_due)
        a_entry.addWidget(self.action_add)
        al.addLayout(a_entry)
        self.actions = ChildPanel(self.bridge, "action_item", quick_field="text", placeholder="", quick_line=False,
                                  hide=("owner_contact_id",))
        al.addWidget(self.actions, 1)
        self.action_text.returnPressed.connect(self.add_action)
        self.action_add.clicked.connect(self.add_action)
        self.tabs.addTab(actions, _("Action items"))

        practice = QWidget()
        pl = QVBoxLayout(practice)
        form = QFormLayout()
        lookup = make_lookup(self.bridge)
        self.practice_inputs: dict[str, FieldInput] = {}
        for f in quick_practice_fields():
            inp = make_input(f, self.store.catalog, lookup)
            self.practice_inputs[f.name] = inp
            form.addRow(_(f.label) + (" *" if f.required else ""), inp.widget)
        pl.addLayout(form)
        self.practice_add = QPushButton(_("Capture practice"))
        self.practice_message = QLabel()
        self.practice_message.setStyleSheet(ERROR_STYLE)
        self.practice_message.setWordWrap(True)
        self.practice_message.hide()
        row = QHBoxLayout()
        row.addWidget(self.practice_add)
        row.addWidget(self.practice_message, 1)
        pl.addLayout(row)
        pl.addWidget(_heading(_("Practices captured at this meeting")))
        self.captured = ChildPanel(self.bridge, "meeting_practice", quick_field="note", placeholder="", quick_line=False)
        pl.addWidget(self.captured, 1)
        self.practice_add.clicked.connect(self.capture_practice)
        self.tabs.addTab(practice, _("Capture a practice"))
        # Tab titles are never cut ("Capture a…"): when they do not fit, arrows scroll them.
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.tabBar().setExpanding(False)
        splitter.addWidget(self.tabs)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1, 1])  # halves, whatever the entry rows would ask for
        self.splitter = splitter
        self._panels = (self.participants, self.agenda, self.decisions, self.actions, self.captured)
        for panel in self._panels:  # columns share the pane's width: no sideways scrolling in the room
            panel.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self._set_enabled(False)
        self._update_counts()

    def _set_enabled(self, on: bool) -> None:
        for w in (self.person_name, self.person_org, self.person_gender, self.person_age, self.person_add,
                  self.decision_text, self.decision_outcome, self.decision_add, self.action_text, self.action_owner,
                  self.action_due, self.action_add, self.practice_add, *(i.widget for i in self.practice_inputs.values())):
            w.setEnabled(on)

    # ------------------------------------------------------------------ meeting
    def open_meeting(self, meeting_id: str) -> None:
        store = self.store
        self.bridge.read(lambda: store.get("meeting", meeting_id, include_deleted=False), self._show_meeting)

    def _show_meeting(self, meeting: dict | None) -> None:
        self.meeting = meeting
        mid = meeting["id"] if meeting else None
        for panel in self._panels:
            panel.set_parent_id(mid)
        self._set_enabled(meeting is not None)
        if meeting is None:
            self.heading.setText(_("No meeting"))
            return
        when = date_text(meeting["starts_on"]) if meeting.get("starts_on") else ""
        place = meeting.get("place") or ""
        self.heading.setText(" · ".join(p for p in (meeting["title"], when, place) if p))
        if meeting.get("country") and "country" in self.practice_inputs:
            self.practice_inputs["country"].show(meeting["country"])
        self.person_name.setFocus()

    @property
    def meeting_id(self) -> str | None:
        return self.meeting["id"] if self.meeting else None

    # ------------------------------------------------------------------ participants
    def _contact_picked(self, contact: dict) -> None:
        self.person_org.setText(contact.get("_organisation") or "")
        if contact.get("gender"):
            self.person_gender.set_code(contact["gender"])

    def _enter_in_name(self) -> None:
        popup = self.contacts.popup()
        if popup.isVisible() and popup.currentIndex().isValid():
            return  # Enter picks the highlighted contact first
        self.register_from_form()

    def register_from_form(self) -> None:
        name = self.person_name.text().strip()
        if not name:
            self.person_name.setFocus()
            return
        contact = self.contacts.contact if self.contacts.contact and self.contacts.contact["full_name"] == name else None
        self.register(name, organisation=self.person_org.text().strip() or None,
                      gender=self.person_gender.raw(), age_group=self.person_age.raw(),
                      contact_id=contact["id"] if contact else None)
        self.person_name.clear()
        self.person_org.clear()
        self.person_gender.setCurrentIndex(0)
        self.person_age.setCurrentIndex(0)
        self.contacts.contact = None
        self.person_name.setFocus()

    def register(self, name: str, *, organisation: str | None = None, gender: str | None = None,
                 age_group: str | None = None, contact_id: str | None = None) -> None:
        """Add one participant (written on the writer thread)."""
        if self.meeting_id is None:
            return
        values: dict[str, Any] = {"meeting_id": self.meeting_id, "name": name}
        for key, value in (("organisation_name", organisation), ("gender", gender), ("age_group", age_group),
                           ("contact_id", contact_id)):
            if value:
                values[key] = value
        self.participants.add(values)

    def _update_counts(self) -> None:
        a = attendance(self.participants.model.rows())
        self.attendance = a
        other = a.by_gender.get("other", 0)
        undisclosed = a.by_gender.get("undisclosed", 0)
        pct = lambda n: f"{round(100 * a.share(n))} %"  # noqa: E731
        parts = (  # each count with its own plural form ("1 man", "2 men")
            ngettext("{n} participant", "{n} participants", a.total).format(n=a.total),
            ngettext("{n} woman ({share})", "{n} women ({share})", a.women).format(n=a.women, share=pct(a.women)),
            ngettext("{n} man", "{n} men", a.men).format(n=a.men),
            ngettext("{n} other", "{n} other", other).format(n=other),
            ngettext("{n} not said", "{n} not said", undisclosed).format(n=undisclosed),
            ngettext("{n} youth ({share})", "{n} youth ({share})", a.youth).format(n=a.youth, share=pct(a.youth)),
        )
        self.counts.setText(" · ".join(parts))
        self.counts_changed.emit(a)

    # ------------------------------------------------------------------ decisions, actions
    def add_decision(self) -> None:
        text = self.decision_text.text().strip()
        if not text or self.meeting_id is None:
            return
        self.decisions.add({"meeting_id": self.meeting_id, "text": text, "outcome": self.decision_outcome.raw() or "adopted"})
        self.decision_text.clear()
        self.decision_text.setFocus()

    def add_action(self) -> None:
        text = self.action_text.text().strip()
        if not text or self.meeting_id is None:
            return
        values: dict[str, Any] = {"meeting_id": self.meeting_id, "text": text}
        owner = self.action_owner.text().strip()
        if owner:
            values["owner_name"] = owner
            picked = self.owner_completer.contact
            if picked and picked["full_name"] == owner:
                values["owner_contact_id"] = picked["id"]
        if self.action_due.raw():
            values["due_on"] = self.action_due.raw()
        self.actions.add(values)
        self.action_text.clear()
        self.action_owner.clear()
        self.owner_completer.contact = None
        self.action_due.set_iso(None)
        self.action_text.setFocus()

    # ------------------------------------------------------------------ practice
    def capture_practice(self) -> None:
        """Create a practice from a few fields and link it to the meeting, in one go on
        the writer thread; what is missing is said beside the button."""
        if self.meeting_id is None:
            return
        values = {name: inp.raw() for name, inp in self.practice_inputs.items()}
        values = {k: v for k, v in values.items() if v not in (None, "", [])}
        store, mid = self.store, self.meeting_id

        def write() -> str:
            pid = store.insert("practice", values)
            store.insert("meeting_practice", {"meeting_id": mid, "practice_id": pid, "note": values.get("title")})
            return pid

        def failed(exc: BaseException) -> None:
            text = "; ".join(e.message for e in exc.errors) if isinstance(exc, ValidationError) else str(exc)
            self.practice_message.setText(text)
            self.practice_message.show()

        def done(_pid: str) -> None:
            country = self.practice_inputs["country"].raw() if "country" in self.practice_inputs else None
            for name, inp in self.practice_inputs.items():
                inp.show(country if name == "country" else None)  # the next practice is likely from there too
            self.practice_message.hide()
            first = next(iter(self.practice_inputs.values()), None)
            if first is not None:
                first.widget.setFocus()

        self.bridge.write(write, on_done=done, on_error=failed)
