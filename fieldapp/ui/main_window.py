"""The main window: navigation between the five areas, the global search box, the
status bar, and the actions every area shares (all reachable from the keyboard)."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QPushButton, QSizePolicy,
    QStackedWidget, QStyle, QTabWidget, QToolBar, QWidget,
)

from fieldapp.core import diskspace
from fieldapp.core.store import Store
from fieldapp.i18n import _, ngettext
from fieldapp.sync_client.engine import LAST_SYNC_KEY
from fieldapp.ui.attachments_panel import AttachmentsPanel
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.capture import CaptureView
from fieldapp.ui.child_panel import ChildPanel
from fieldapp.ui.display import moment_text, number_text
from fieldapp.ui.documents_menu import Documents
from fieldapp.ui.encryption_dialog import EncryptionSettingsDialog
from fieldapp.ui.help_menu import add_help_menu
from fieldapp.ui.list_page import ListPage
from fieldapp.ui.map_area import MapArea
from fieldapp.ui.dashboard_area import DashboardArea
from fieldapp.ui.map_picker import attach_location_picker
from fieldapp.ui.search_box import SearchBox
from fieldapp.ui.settings import LANGUAGES, Settings, SettingsDialog
from fieldapp.ui.sync_page import SyncPage
from fieldapp.ui.theme import app_icon

LAST_SYNC_META = LAST_SYNC_KEY  # written by the sync engine, from the window or `fieldapp sync` alike
DEFAULT_SIZE = QSize(1280, 800)  # a facilitator's laptop: every screen is laid out for at least this
SCREEN_SHARE = 0.85  # of a larger screen's free area, on first start


def initial_size(available: QSize) -> QSize:
    """The window's size on first start: most of a large screen (1360×850 on 1600×1000),
    never less than DEFAULT_SIZE (a smaller screen gets the window maximised instead)."""
    return QSize(max(DEFAULT_SIZE.width(), int(available.width() * SCREEN_SHARE)),
                 max(DEFAULT_SIZE.height(), int(available.height() * SCREEN_SHARE)))


class MainWindow(QMainWindow):
    ready = Signal()  # shown and the first list populated
    attention_requested = Signal()  # the status bar's "needs attention" was clicked

    def __init__(self, store: Store, settings: Settings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.settings = settings or Settings()
        self.bridge = StoreBridge(store, self)
        self.setWindowTitle(_("Field App"))
        self.setWindowIcon(app_icon())
        screen = self.screen().availableGeometry()
        self.resize(initial_size(screen.size()))
        self.move(screen.center() - self.rect().center())
        self.undo_group = QUndoGroup(self)
        self.pages: dict[str, ListPage] = {}
        self._ready_sent = False
        self._build_pages()
        self._build_actions()
        self._build_status()
        self.bridge.changed.connect(lambda *_a: self._status_timer.start())
        self.bridge.busy_changed.connect(self._show_busy)
        self.bridge.write_failed.connect(self._write_failed)
        self.pages["practice"].model.loaded.connect(self._first_load)
        self.go(0)
        geometry = self.settings.q.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)  # the size the person left it at (Qt keeps it on a screen)

    @property
    def screen_too_small(self) -> bool:
        """Whether the screen cannot hold DEFAULT_SIZE: then the window opens maximised."""
        free = self.screen().availableGeometry().size()
        return free.width() < DEFAULT_SIZE.width() or free.height() < DEFAULT_SIZE.height()

    # ------------------------------------------------------------------ pages
    def _list(self, entity_name: str, **kw) -> ListPage:
        page = ListPage(self.bridge, entity_name, **kw)
        page.new_action.setShortcut(QKeySequence())  # the window's Ctrl+N serves (one owner per key)
        self.pages[entity_name] = page
        self.undo_group.addStack(page.editor.undo_stack)
        return page

    def _tabs(self, *pages: ListPage) -> QTabWidget:
        tabs = QTabWidget()
        tabs.setDocumentMode(True)
        for page in pages:
            tabs.addTab(page, _(page.entity.plural))
        tabs.currentChanged.connect(lambda _i: self._activate_stack())
        return tabs

    def _build_pages(self) -> None:
        practices = self._list("practice")
        practice_files = AttachmentsPanel(self.bridge, "practice")
        practices.editor.add_section(_("Photos, documents and videos"), practice_files)
        practices.editor.record_changed.connect(practice_files.set_owner)
        self.practice_attachments = practice_files

        organisations = self._list("organisation")
        contacts_inline = ChildPanel(self.bridge, "contact", quick_field="full_name",
                                     placeholder=_("New contact's name, then Enter"), openable=True,
                                     extra_values=lambda _t: {"country": organisations.editor.values.get("country")})
        organisations.editor.add_section(_("Contacts"), contacts_inline)
        organisations.editor.record_changed.connect(contacts_inline.set_parent_id)
        contacts_inline.open_requested.connect(lambda rid: self.open_record("contact", rid))
        self.contacts_inline = contacts_inline
        people = self._tabs(organisations, self._list("contact"))

        projects = self._tabs(self._list("project"), self._list("form_submission"), self._list("form_definition", read_only=True))

        meetings = self._list("meeting")
        meeting_files = AttachmentsPanel(self.bridge, "meeting")
        capture_button = QPushButton(_("Open capture mode"))
        capture_button.setToolTip(_("Register participants, decisions and actions in the room (Ctrl+M)"))
        capture_button.setEnabled(False)
        meetings.editor.add_section(_("Meeting capture"), capture_button)
        meetings.editor.add_section(_("Photos, documents and videos"), meeting_files)
        meetings.editor.record_changed.connect(meeting_files.set_owner)
        meetings.editor.record_changed.connect(lambda rid: capture_button.setEnabled(rid is not None))
        capture_button.clicked.connect(self.open_capture)
        self.meeting_attachments = meeting_files
        self.capture = CaptureView(self.bridge)
        self.meetings_stack = QStackedWidget()
        self.meetings_stack.addWidget(meetings)
        self.meetings_stack.addWidget(self.capture)
        self.capture.back.connect(lambda: self.meetings_stack.setCurrentIndex(0))

        self.map_area = MapArea(self.bridge)
        self.map_area.open_record.connect(self.open_record)
        self.dashboard = DashboardArea(self.bridge)
        self.location_pickers = [attach_location_picker(self.pages[n].editor) for n in ("practice", "organisation")]

        self.sync_page = SyncPage()
        self.sync_page.open_settings.connect(self.open_settings)

        self.stack = QStackedWidget()
        self.nav = QListWidget()
        self.nav.setAccessibleName(_("Areas"))
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.nav.setFixedWidth(210)
        style = self.style()
        areas = (
            (_("Practices"), practices, QStyle.StandardPixmap.SP_FileDialogDetailedView),
            (_("Organisations & Contacts"), people, QStyle.StandardPixmap.SP_DirHomeIcon),
            (_("Projects & Forms"), projects, QStyle.StandardPixmap.SP_FileDialogContentsView),
            (_("Meetings"), self.meetings_stack, QStyle.StandardPixmap.SP_FileDialogListView),
            (_("Sync"), self.sync_page, QStyle.StandardPixmap.SP_BrowserReload),
            (_("Map"), self.map_area, QStyle.StandardPixmap.SP_DriveNetIcon),
            (_("Dashboard"), self.dashboard, QStyle.StandardPixmap.SP_FileDialogInfoView),
        )
        self.area_keys = ("practices", "people", "projects", "meetings", "sync", "map", "dashboard")
        for i, (label, widget, icon) in enumerate(areas):
            item = QListWidgetItem(style.standardIcon(icon), label)
            item.setToolTip(f"{label} (Ctrl+{i + 1})")
            item.setSizeHint(QSize(0, 36))
            self.nav.addItem(item)
            self.stack.addWidget(widget)
        self.nav.currentRowChanged.connect(self._nav_changed)

        self.search = SearchBox(self.bridge)
        self.search.open_hit.connect(self.open_record)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        bar = QToolBar(_("Main"))
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.new_action = QAction(_("&New record"), self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_record)
        self.search_action = QAction(_("&Search"), self)
        self.search_action.setShortcut(QKeySequence("Ctrl+K"))
        self.search_action.triggered.connect(self.focus_search)
        self.settings_action = QAction(_("Se&ttings…"), self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)
        self.encryption_action = QAction(_("Data enc&ryption…"), self)  # status, and changing the key
        self.encryption_action.triggered.connect(self.open_encryption)
        self.capture_action = QAction(_("&Capture mode"), self)
        self.capture_action.setShortcut(QKeySequence("Ctrl+M"))
        self.capture_action.triggered.connect(self.open_capture)
        quit_action = QAction(_("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.undo_action = self.undo_group.createUndoAction(self, _("&Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_group.createRedoAction(self, _("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        # The editors' own undo actions serve when focus is inside them; these serve
        # from anywhere else in the window (menu, list).
        for a in (self.undo_action, self.redo_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(self.new_action)
        file_menu.addSeparator()
        self.documents = Documents(self)  # import, export, sheets, minutes, carbon calculator
        self.documents.install(file_menu)
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.encryption_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = self.menuBar().addMenu(_("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.search_action)
        go_menu = self.menuBar().addMenu(_("&Go"))
        for i in range(self.nav.count()):
            action = QAction(self.nav.item(i).text().replace("&", "&&"), self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, n=i: self.go(n))
            go_menu.addAction(action)
        go_menu.addSeparator()
        go_menu.addAction(self.capture_action)
        self.help_actions = add_help_menu(self)

        bar.addAction(self.new_action)
        bar.addAction(self.capture_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(self.search)
        bar.addAction(self.settings_action)
        self.editor_undo_conflicts()

    def editor_undo_conflicts(self) -> None:
        """Editors carry Ctrl+Z themselves (WidgetWithChildrenShortcut); the window's
        group action would make the shortcut ambiguous, so it keeps the menu entry and
        takes the key only when no editor is focused."""
        for page in self.pages.values():
            for a in (page.editor.undo_action, page.editor.redo_action):
                a.setShortcuts([])
        # With the editors' keys removed, the group actions (bound to the editor of
        # the area on screen) handle Ctrl+Z / Ctrl+Shift+Z everywhere in the window.

    def _build_status(self) -> None:
        status = self.statusBar()
        self.online_label = QLabel(_("Offline · sync not configured"))
        self.online_label.setToolTip(_("Everything is kept on this computer. To share it, log in to a sync server "
                                       "in the Sync area."))
        self.pending_label = QLabel()
        self.attention_button = QPushButton()  # "2 need attention": opens the list
        self.attention_button.setFlat(True)
        self.attention_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.attention_button.setStyleSheet("QPushButton { color: palette(link); text-decoration: underline; border: 0; }")
        self.attention_button.setToolTip(_("Changes the server refused: open the list to fix, retry or discard them"))
        self.attention_button.clicked.connect(self.attention_requested.emit)
        self.attention_button.setVisible(False)
        self.last_sync_label = QLabel()
        self.saving_label = QLabel()
        status.addWidget(self.saving_label)
        for w in (self.online_label, self.pending_label, self.attention_button, self.last_sync_label):
            status.addPermanentWidget(w)
        self._status_timer = QTimer(self, singleShot=True, interval=400)
        self._status_timer.timeout.connect(self.refresh_status)
        self.refresh_status()
        self.bridge.read(lambda: diskspace.low_space_warning(self.store.data_dir), self._warn_low_space)

    def _warn_low_space(self, warning: str | None) -> None:
        if warning:
            self.statusBar().showMessage(warning, 30000)

    def _write_failed(self, exc: BaseException) -> None:
        full = diskspace.explain(exc, self.store.data_dir)
        reason = full.message if full is not None else str(exc)
        self.statusBar().showMessage(_("Not saved: {reason}").format(reason=reason), 15000)

    # ------------------------------------------------------------------ behaviour
    def _first_load(self) -> None:
        if not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    def go(self, index: int) -> None:
        self.nav.setCurrentRow(index)

    def _nav_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._activate_stack()

    def replace_area(self, key: str, widget: QWidget) -> None:
        """Put `widget` in place of an area ('sync', 'projects', ...): how the sync and
        forms screens built elsewhere take their place in the window."""
        index = self.area_keys.index(key)
        old = self.stack.widget(index)
        self.stack.removeWidget(old)
        self.stack.insertWidget(index, widget)
        if self.nav.currentRow() == index:
            self.stack.setCurrentIndex(index)
        old.hide()
        if key == "sync":
            self.sync_page.hide()

    def replace_page(self, entity_name: str, widget: QWidget, title: str | None = None) -> None:
        """Put `widget` in the tab of a generic list (the forms area in place of the
        plain list of form submissions, say); the list stays reachable in `pages`."""
        page = self.pages[entity_name]
        tabs = page.parentWidget().parentWidget() if page.parentWidget() else None
        if not isinstance(tabs, QTabWidget):
            raise ValueError(f"{entity_name} is not in a tab")
        index = tabs.indexOf(page)
        label = title or tabs.tabText(index)
        tabs.removeTab(index)
        tabs.insertTab(index, widget, label)
        page.hide()

    def current_page(self) -> ListPage | None:
        widget = self.stack.currentWidget()
        if isinstance(widget, QStackedWidget):
            widget = widget.widget(0) if widget.currentIndex() == 0 else None
        if isinstance(widget, QTabWidget):
            widget = widget.currentWidget()
        return widget if isinstance(widget, ListPage) else None

    def _activate_stack(self) -> None:
        page = self.current_page()
        self.undo_group.setActiveStack(page.editor.undo_stack if page else None)

    def page_for(self, entity_name: str) -> ListPage:
        """Bring the area holding `entity_name` to the front and return its list."""
        page = self.pages[entity_name]
        for i in range(self.stack.count()):
            area = self.stack.widget(i)
            if area is page or area.isAncestorOf(page):
                self.go(i)
                if isinstance(area, QTabWidget):
                    area.setCurrentWidget(page)
                if isinstance(area, QStackedWidget):
                    area.setCurrentIndex(0)
                break
        self._activate_stack()
        return page

    def open_record(self, entity_name: str, row_id: str) -> None:
        self.page_for(entity_name).open_record(row_id)

    def new_record(self) -> None:
        page = self.current_page() or self.page_for("practice")
        page.new_record()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def open_capture(self, meeting_id: str | None = None) -> None:
        if not isinstance(meeting_id, str):
            meeting_id = self.pages["meeting"].editor.row_id
        self.page_for("meeting")
        if meeting_id is None:
            self.statusBar().showMessage(_("Choose or create a meeting first, then open capture mode."), 6000)
            return
        self.meetings_stack.setCurrentIndex(1)
        self.capture.open_meeting(meeting_id)
        self._activate_stack()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self.store.data_dir, self)
        before = self.settings.language
        if dialog.exec():
            self.refresh_status()
            if self.settings.language != before:
                self.language_notice()

    def open_encryption(self) -> None:
        EncryptionSettingsDialog(self.store, self).exec()

    def language_notice(self) -> None:
        """The window is not retranslated live: say so where the person looks next."""
        name = dict(LANGUAGES).get(self.settings.language, self.settings.language)
        self.statusBar().showMessage(
            _("{language} will be used from the next start of Field App: close it and open it again.").format(
                language=name))

    def set_online(self, online: bool | None) -> None:
        """What the status bar says about the network (the sync controller's
        online_changed signal connects here): None while sync is not configured."""
        if online is None:
            self.online_label.setText(_("Offline · sync not configured"))
        else:
            self.online_label.setText(_("Online") if online else _("Offline"))
        self.online_label.setToolTip("" if online is not None else self.online_label.toolTip())

    def _show_busy(self, n: int) -> None:
        self.saving_label.setText(_("Saving…") if n else "")

    def refresh_status(self) -> None:
        """Unsynced changes and last sync, read off the UI thread."""
        store = self.store
        self.bridge.read(lambda: (store.unsynced_count(), len(store.rejected()), store.meta(LAST_SYNC_META)),
                         self._show_status)

    def _show_status(self, result: tuple[int, int, str | None]) -> None:
        """Every change the service has not accepted counts as unsynced, refused ones too;
        those a person must act on are named apart, as a link to the list."""
        unsynced, attention, last = result
        self.pending_label.setText(ngettext("{n} unsynced change", "{n} unsynced changes", unsynced).format(n=number_text(unsynced)))
        self.attention_button.setText(ngettext("{n} needs attention", "{n} need attention", attention).format(n=number_text(attention)))
        self.attention_button.setVisible(attention > 0)
        self.last_sync_label.setText(_("Last sync: {when}").format(when=moment_text(last)) if last else _("Last sync: never"))
        for w in (self.pending_label, self.attention_button, self.last_sync_label):
            w.setMinimumWidth(w.sizeHint().width())  # a long message beside them never cuts them
        self.sync_page.show_state(unsynced, self.settings.server_url, last)

    def refresh_all(self) -> None:
        """Re-run every open list's query (after demo data or a sync brought many rows)."""
        for page in self.pages.values():
            if page.model.active:
                page.apply_filters()
        self.refresh_status()

    def shutdown(self) -> None:
        """Let background reads and writes finish before the store closes."""
        self.bridge.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        # Commit what the focused field holds before the window goes.
        focused = self.focusWidget()
        if focused is not None:
            focused.clearFocus()
        self.settings.q.setValue("window/geometry", self.saveGeometry())
        super().closeEvent(event)
