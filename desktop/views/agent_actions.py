"""The agent grid's supervisor actions: listen to, whisper to or barge into the selected agent's
call, force the agent ready or not ready (with a reason). Buttons under the grid and the same
actions in the grid's context menu (right click, the Menu key or Shift+F10); Alt+letter on each.

Thin view: `set_agent(row)` (the selected row, None for none) and `set_source(up, detail)` decide
what is enabled; a disabled action says why in its tooltip. Triggering one emits
`actionRequested(action, agent, reason)` with the wire action (`listen`, `whisper`, `barge`,
`force.ready`, `force.pause`); the desk answers with `show_progress` / `show_result`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from calldesk_domain.agent_metrics import Activity
from calldesk_domain.board import AgentRow
from desktop.views.agent_state_panel import DEFAULT_REASON_CODES as PAUSE_REASONS

SPY = ("listen", "whisper", "barge")
FORCE = ("force.ready", "force.pause")


class AgentActions(QWidget):
    actionRequested = Signal(str, str, str)  # wire action, agent id, pause reason ("" otherwise)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agentActions")
        self.agent: AgentRow | None = None
        self.source_up = False
        self.source_detail = ""
        self.by_name: dict[str, QAction] = {}
        self.buttons: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        for name in (*SPY, *FORCE):
            action = QAction(self)
            action.setObjectName(f"agentAction_{name}")
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, n=name: self._trigger(n))
            button = QToolButton()
            button.setObjectName(f"agentButton_{name}")
            button.setDefaultAction(action)
            self.by_name[name] = action
            self.buttons[name] = button
            layout.addWidget(button)
            if name == "barge":
                layout.addSpacing(12)
        self.reason_box = QComboBox()
        self.reason_box.setObjectName("forcePauseReason")
        for reason in PAUSE_REASONS:
            self.reason_box.addItem("", reason)
        layout.addWidget(self.reason_box)
        self.result_label = QLabel()
        self.result_label.setObjectName("agentActionResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label, 1)
        self._retranslate()

    # -- what the desk says ----------------------------------------------------------------------
    def set_agent(self, row: AgentRow | None) -> None:
        self.agent = row
        self._update()

    def set_source(self, up: bool, detail: str = "") -> None:
        if (up, detail) != (self.source_up, self.source_detail):
            self.source_up, self.source_detail = up, detail
            self._update()

    def show_progress(self, text: str) -> None:
        self.result_label.setStyleSheet("color: palette(text);")
        self.result_label.setText(text)

    def show_result(self, ok: bool, text: str) -> None:
        self.result_label.setStyleSheet("" if ok else "color: #c62828;")
        self.result_label.setText(text)

    def context_menu(self) -> QMenu:
        """The grid's context menu: the same actions, enabled and explained the same way."""
        menu = QMenu(self)
        menu.setObjectName("agentActionMenu")
        for name in SPY:
            menu.addAction(self.by_name[name])
        menu.addSeparator()
        for name in FORCE:
            menu.addAction(self.by_name[name])
        menu.setToolTipsVisible(True)
        return menu

    def popup_menu(self, where: QPoint) -> QMenu:
        menu = self.context_menu()
        menu.popup(where)
        return menu

    # -- internals --------------------------------------------------------------------------------
    def _why_not(self, name: str) -> str:
        """Why `name` cannot be used now ("" when it can)."""
        if not self.source_up:
            text = self.tr("The CTI source is down: supervisor actions cannot reach the PBX.")
            return f"{text} ({self.source_detail})" if self.source_detail else text
        row = self.agent
        if row is None:
            return self.tr("Select an agent in the grid first.")
        if name in SPY and row.call_since_ts is None:
            return self.tr("%1 has no call to listen to, whisper to or barge into.").replace("%1", row.agent)
        if row.activity is Activity.LOGGED_OUT:
            return self.tr("%1 is logged out.").replace("%1", row.agent)
        if name == "force.ready" and row.activity is Activity.READY:
            return self.tr("%1 is ready already.").replace("%1", row.agent)
        if name == "force.pause" and row.activity is Activity.PAUSED:
            return self.tr("%1 is already paused.").replace("%1", row.agent)
        return ""

    def _update(self) -> None:
        for name, action in self.by_name.items():
            why = self._why_not(name)
            action.setEnabled(not why)
            action.setToolTip(why or self._help(name))
        self.reason_box.setEnabled(self.by_name["force.pause"].isEnabled())

    def _help(self, name: str) -> str:
        agent = self.agent.agent if self.agent else ""
        return {
            "listen": self.tr("Listen to %1's call on your phone (they do not hear you)"),
            "whisper": self.tr("Speak to %1 only; the caller does not hear you"),
            "barge": self.tr("Join %1's call: both sides hear you"),
            "force.ready": self.tr("Make %1 ready for calls"),
            "force.pause": self.tr("Make %1 not ready, with the reason beside"),
        }[name].replace("%1", agent)

    def _trigger(self, name: str) -> None:
        if self.agent is None or self._why_not(name):
            return
        reason = str(self.reason_box.currentData() or "") if name == "force.pause" else ""
        self.actionRequested.emit(name, self.agent.agent, reason)

    def action_text(self, name: str) -> str:
        return {
            "listen": self.tr("&Listen"),
            "whisper": self.tr("&Whisper"),
            "barge": self.tr("&Barge in"),
            "force.ready": self.tr("Force &ready"),
            "force.pause": self.tr("Force &not ready"),
        }[name]

    def reason_text(self, reason: str) -> str:
        return {
            "break": self.tr("break"),
            "lunch": self.tr("lunch"),
            "training": self.tr("training"),
            "meeting": self.tr("meeting"),
            "acw": self.tr("after-call work"),
        }.get(reason, reason)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        for name, action in self.by_name.items():
            text = self.action_text(name)
            action.setText(text)
            # Alt+letter anywhere in the grid (a tool button shows the text without its mnemonic)
            action.setShortcut(QKeySequence.mnemonic(text))
        for index in range(self.reason_box.count()):
            self.reason_box.setItemText(index, self.reason_text(str(self.reason_box.itemData(index))))
        self.reason_box.setToolTip(self.tr("Reason for Force not ready"))
        self._update()
