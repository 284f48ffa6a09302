"""The customer card: what the agent sees when a call pops, plus the pages for callers who are not
(yet) one customer: new caller, shared number (chooser) and withheld number.

Thin view: it paints the data objects it is given and emits the agent's intent as signals.
`show_pop` paints the header from the small pop card at once; `show_detail` fills the tabs later.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.customer_work import WorkItem
from calldesk_domain.models import CHURN_WARNING_THRESHOLD, CustomerDetail
from calldesk_domain.popcard import PopCard
from desktop.views import display
from desktop.views.detail_tabs import DetailTabs
from desktop.views.record_columns import MATCH_COLUMNS, MatchRow
from desktop.views.record_model import RecordTableModel, make_table

# Tiers with their own badge colour in the theme (QLabel#tierBadge[tier="..."]); others look "small".
TIER_BADGES = ("high_end", "important", "ordinary", "small")
MAX_TAG_CHIPS = 8
MAX_PHONES = 4
MAX_NAME_CHARS = 30
MAX_TAG_CHARS = 16
PAGES = ("empty", "card", "new_caller", "matches", "withheld")


class _Chip(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagChip")


class CustomerCardView(QWidget):
    """Signals: customerChosen(customer_id), createCustomerRequested(number), searchRequested(),
    pageShown(page)."""

    customerChosen = Signal(str)
    createCustomerRequested = Signal(str)
    callBackRequested = Signal(str)  # the customer's first number (E.164), for the dial pad
    revealRequested = Signal(str)  # customer id: show their masked numbers in full (audited)
    searchRequested = Signal()
    pageShown = Signal(str)  # after every show_*: the window clears what might cover the card

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerCard")
        self._customer_id: str | None = None
        self._page = "empty"
        self._rerender: Callable[[], None] | None = None
        self._new_caller_number = ""
        self._orders_count = 0
        self._shown_masked = True
        self._call_back_number = ""
        self._revealed: tuple[str, list[str]] | None = None  # (customer, numbers): memory only
        self.reveal_allowed = False  # the role reads masked numbers and may ask for them
        self._stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._pages: dict[str, QWidget] = {
            "empty": self._build_empty_page(),
            "card": self._build_card_page(),
            "new_caller": self._build_new_caller_page(),
            "matches": self._build_matches_page(),
            "withheld": self._build_withheld_page(),
        }
        for page in self._pages.values():
            self._stack.addWidget(page)
        self._retranslate_static()
        self._switch("empty")

    # ------------------------------------------------------------------ public API -------------
    def show_pop(self, card: PopCard, *, masked: bool) -> None:
        """Paint the header from the pop card now; the tabs say they are loading."""
        self._customer_id = card.customer_id
        self._forget_reveal_unless(card.customer_id)
        self._render_pop(card, masked)
        self._rerender = lambda: self._render_pop(card, masked)
        self._switch("card")

    def show_detail(
        self, detail: CustomerDetail, *, masked: bool, stale: bool = False, older: str = ""
    ) -> None:
        """Fill header and tabs from the record; `stale` marks data served from the cache offline;
        `older` (detail_tabs.OLDER_STATES) says whether records older than these are to come."""
        self._customer_id = detail.customer.id
        self._forget_reveal_unless(detail.customer.id)
        self._render_detail(detail, masked, stale, older)
        self._rerender = lambda: self._render_detail(detail, masked, stale, self._tabs.older)
        self._switch("card")

    def append_older(self, detail: CustomerDetail) -> int:
        """The whole record arrived: append the older records under the ones shown (scroll
        position and selection stay). Returns how many rows were added."""
        if self._customer_id != detail.customer.id or self._page != "card":
            return 0
        added = self._tabs.append_older(detail)
        self._orders_count = self._orders_tab.model.rowCount()
        masked, stale = self._shown_masked, not self._stale.isHidden()
        self._rerender = lambda: self._render_detail(detail, masked, stale, "")
        return added

    def set_stale(self, stale: bool) -> None:
        if self._page == "card":
            self._stale.setVisible(stale)

    def set_older(self, state: str, reason: str = "") -> None:
        """Older records will not come now (`offline`, or `failed` with the server's reason)."""
        if self._page == "card":
            self._tabs.set_older(state, reason)

    def show_work(self, items: Sequence[WorkItem]) -> None:
        """This customer's tickets and contact logs (the "Tickets & contacts" tab)."""
        self._tabs.show_work(items)

    def older_text(self, index: int = 0) -> str:
        """The row under a tab's records about older history ("" when there is none)."""
        return self._record_tabs[index].older_text()

    def show_detail_unavailable(self, reason: str, *, stale: bool) -> None:
        """The detail could not be fetched (offline, server error): the header stays, the tabs say
        why, and `stale` shows the offline marker so the agent knows the header is cached data."""
        if self._page != "card":
            return
        self._stale.setVisible(stale)
        text = (
            self.tr("Details not available: %1").replace("%1", reason)
            if reason
            else self.tr("Details not available.")
        )
        self._tabs.show_message(text)

    def show_new_caller(self, number_e164: str | None, raw: str, *, masked: bool = False) -> None:
        self._customer_id = None
        self._new_caller_number = number_e164 or raw
        self._render_new_caller(number_e164, raw, masked)
        self._rerender = lambda: self._render_new_caller(number_e164, raw, masked)
        self._switch("new_caller")

    def show_matches(self, cards: list[PopCard], *, masked: bool) -> None:
        """Chooser for a number several customers share; Enter or double-click picks one."""
        self._customer_id = None
        self._matches_model.set_records([MatchRow(card, masked) for card in cards])
        self._render_matches_title()
        self._rerender = self._render_matches_title
        self._switch("matches")
        if cards:
            self._matches_table.setCurrentIndex(self._matches_model.index(0, 0))
            self._matches_table.selectRow(0)
        self._matches_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_withheld(self) -> None:
        self._customer_id = None
        self._rerender = None
        self._switch("withheld")
        self.searchRequested.emit()

    def show_empty(self) -> None:
        self._customer_id = None
        self._rerender = None
        self._switch("empty")

    def end_reveal(self, customer_id: str, numbers: list[str] | None) -> None:
        """The numbers asked for with Reveal (None: not available, the button comes back)."""
        if customer_id == self._customer_id and numbers:
            self._revealed = (customer_id, list(numbers))
            if self._rerender is not None:
                self._rerender()
        self._reveal.setEnabled(True)

    def _forget_reveal_unless(self, customer_id: str | None) -> None:
        if self._revealed is not None and self._revealed[0] != customer_id:
            self._revealed = None

    # accessors for the integrator and tests
    def current_customer_id(self) -> str | None:
        return self._customer_id

    def header_name_text(self) -> str:
        """The customer's full name as shown (hover text when clipped)."""
        return self._name.toolTip()

    def points_text(self) -> str:
        return self._points_value.text()

    def orders_count(self) -> int:
        return self._orders_count

    def page(self) -> str:
        return self._page

    def churn_warning_text(self) -> str | None:
        """The churn banner's text, or None when no warning is shown."""
        return None if self._churn.isHidden() else self._churn_text.text()

    def is_stale(self) -> bool:
        return not self._stale.isHidden()

    def phones_text(self) -> str:
        return self._phones.text()

    def new_caller_text(self) -> str:
        """The caller's number as the new-caller page shows it."""
        return self._new_number.text()

    def tab_message(self, index: int = 0) -> str | None:
        """The message a tab shows instead of its table (loading, none, unavailable), else None."""
        tab = self._record_tabs[index]
        return tab.message.text() if tab.currentWidget() is tab.message else None

    def tab_row_count(self, index: int) -> int:
        return self._record_tabs[index].model.rowCount()

    def select_tab(self, index: int) -> None:
        self._tabs.setCurrentIndex(index)

    def tab_titles(self) -> list[str]:
        return [self._tabs.tabText(i) for i in range(self._tabs.count())]

    # ------------------------------------------------------------------ rendering --------------
    def _render_header(
        self,
        *,
        name: str,
        tier: str,
        level: str,
        points: int,
        churn_risk: float,
        churn_reasons: Sequence[str],
        tags: Sequence[str],
        phones: Sequence[str],
        masked: bool,
    ) -> None:
        self._name.setText(display.clip(name, MAX_NAME_CHARS))
        self._name.setToolTip(name)
        self._tier.setText(display.tier_label(tier))
        badge = tier if tier in TIER_BADGES else "small"
        if self._tier.property("tier") != badge:  # re-polish only when the colour changes
            self._tier.setProperty("tier", badge)
            self._tier.style().unpolish(self._tier)
            self._tier.style().polish(self._tier)
        self._level.setText(display.clip(level, MAX_TAG_CHARS))
        self._level.setHidden(not level)
        self._points_value.setText(display.points(points))
        if self._revealed is not None and self._revealed[0] == self._customer_id:
            phones, masked = self._revealed[1], False
        self._reveal.setVisible(self.reveal_allowed and masked and bool(phones))
        self._call_back_number = phones[0] if phones and "*" not in phones[0] else ""  # not a masked one
        self._call_back.setEnabled(bool(self._call_back_number))
        numbers = [display.clip(display.phone_text(p, masked=masked), MAX_TAG_CHARS) for p in phones]
        extra = f"  +{len(numbers) - MAX_PHONES}" if len(numbers) > MAX_PHONES else ""
        self._phones.setText("  ·  ".join(numbers[:MAX_PHONES]) + extra or "—")
        self._render_tags(tags)
        risk = display.risk_fraction(churn_risk)
        if risk >= CHURN_WARNING_THRESHOLD:
            reasons = "；".join(churn_reasons) if churn_reasons else self.tr("no reason recorded")
            self._churn_text.setText(
                self.tr("Churn risk %1% — %2. Try to retain this customer.")
                .replace("%1", str(round(risk * 100)))
                .replace("%2", reasons)
            )
            self._churn.show()
        else:
            self._churn.hide()

    def _render_tags(self, tags: Sequence[str]) -> None:
        """One chip per tag up to MAX_TAG_CHIPS, then a "+N" chip listing the rest in its tooltip,
        so a customer with many tags never widens the window past the screen."""
        shown = [display.clip(t, MAX_TAG_CHARS) for t in tags[:MAX_TAG_CHIPS]]
        rest = list(tags[MAX_TAG_CHIPS:])
        if rest:
            shown.append(f"+{len(rest)}")
        while len(self._tag_chips) < len(shown):
            chip = _Chip(self)
            self._tags_layout.insertWidget(len(self._tag_chips), chip)
            self._tag_chips.append(chip)
        for i, chip in enumerate(self._tag_chips):
            wanted = i < len(shown)
            if wanted:
                chip.setText(shown[i])
                chip.setToolTip(
                    "\n".join(rest) if rest and i == len(shown) - 1 else tags[i] if i < len(tags) else ""
                )
            if chip.isHidden() == wanted:
                chip.setVisible(wanted)
        self._tags_row.setHidden(not tags)

    def _render_pop(self, card: PopCard, masked: bool) -> None:
        self._render_header(
            name=card.name,
            tier=card.tier,
            level=card.membership_level,
            points=card.points_balance,
            churn_risk=card.churn_risk,
            churn_reasons=card.churn_reasons,
            tags=card.tags,
            phones=card.phones,
            masked=masked,
        )
        self._ltv_value.setText("…")
        self._stale.hide()
        self._orders_count = 0
        self._tabs.show_loading()

    def _render_detail(self, detail: CustomerDetail, masked: bool, stale: bool, older: str) -> None:
        c = detail.customer
        self._render_header(
            name=c.name,
            tier=c.tier,
            level=c.membership_level,
            points=c.points_balance,
            churn_risk=c.churn_risk,
            churn_reasons=c.churn_reasons,
            tags=c.tags,
            phones=[p.e164 for p in c.phones],
            masked=masked,
        )
        self._ltv_value.setText(display.yuan(c.lifetime_value_fen))
        self._stale.setVisible(stale)
        self._shown_masked = masked
        self._orders_count = len(detail.orders)
        self._tabs.show_detail(detail, older)

    def _render_new_caller(self, number_e164: str | None, raw: str, masked: bool) -> None:
        shown = display.phone_text(number_e164, masked=masked) if number_e164 else raw
        self._new_number.setText(shown or self.tr("(no number)"))
        self._create_button.setEnabled(bool(number_e164 or raw))

    def _render_matches_title(self) -> None:
        self._matches_title.setText(
            self.tr("%1 customers share this number. Who is calling?").replace(
                "%1", str(self._matches_model.rowCount())
            )
        )

    def _switch(self, page: str) -> None:
        if page != "card":
            self._forget_reveal_unless(None)
        self._page = page
        self._stack.setCurrentWidget(self._pages[page])
        self.pageShown.emit(page)

    # ------------------------------------------------------------------ building ---------------
    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self._empty_title = QLabel()
        self._empty_title.setObjectName("pageTitle")
        self._empty_hint = QLabel()
        self._empty_hint.setObjectName("pageHint")
        self._empty_hint.setWordWrap(True)
        for label in (self._empty_title, self._empty_hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        layout.addWidget(self._empty_title)
        layout.addWidget(self._empty_hint)
        layout.addStretch(3)
        return page

    def _build_card_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        header = QFrame()
        header.setObjectName("cardHeader")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(16, 12, 16, 12)
        header_layout.setSpacing(6)

        top = QHBoxLayout()
        top.setSpacing(10)
        self._name = QLabel()
        self._name.setObjectName("customerName")
        self._name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._tier = QLabel()
        self._tier.setObjectName("tierBadge")
        self._level = QLabel()
        self._level.setObjectName("levelChip")
        self._stale = QLabel()
        self._stale.setObjectName("staleMarker")
        self._stale.hide()
        top.addWidget(self._name)
        top.addWidget(self._tier)
        top.addWidget(self._level)
        top.addStretch(1)
        top.addWidget(self._stale)
        header_layout.addLayout(top)

        facts = QHBoxLayout()
        facts.setSpacing(6)
        self._phones_caption, self._phones = QLabel(), QLabel()
        self._points_caption, self._points_value = QLabel(), QLabel()
        self._ltv_caption, self._ltv_value = QLabel(), QLabel()
        self._phones.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for caption, value in (
            (self._phones_caption, self._phones),
            (self._points_caption, self._points_value),
            (self._ltv_caption, self._ltv_value),
        ):
            caption.setObjectName("factCaption")
            value.setObjectName("factValue")
            facts.addWidget(caption)
            facts.addWidget(value)
            facts.addSpacing(22)
        self._points_value.setObjectName("pointsValue")
        facts.addStretch(1)
        self._reveal = QPushButton()
        self._reveal.setObjectName("cardReveal")
        self._reveal.clicked.connect(self._on_reveal)
        facts.addWidget(self._reveal)
        self._call_back = QPushButton()
        self._call_back.setObjectName("cardCallBack")
        self._call_back.clicked.connect(self._on_call_back)
        facts.addWidget(self._call_back)
        header_layout.addLayout(facts)

        self._tags_row = QWidget()
        self._tags_layout = QHBoxLayout(self._tags_row)
        self._tags_layout.setContentsMargins(0, 0, 0, 0)
        self._tags_layout.setSpacing(6)
        self._tags_layout.addStretch(1)
        self._tag_chips: list[_Chip] = []
        header_layout.addWidget(self._tags_row)
        layout.addWidget(header)

        self._churn = QFrame()
        self._churn.setObjectName("churnBanner")
        churn_layout = QHBoxLayout(self._churn)
        churn_layout.setContentsMargins(14, 8, 14, 8)
        icon = QLabel("⚠")
        icon.setObjectName("churnIcon")
        self._churn_text = QLabel()
        self._churn_text.setObjectName("churnText")
        self._churn_text.setWordWrap(True)
        self._churn_text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        churn_layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        churn_layout.addWidget(self._churn_text, 1)
        self._churn.hide()
        layout.addWidget(self._churn)

        self._tabs = DetailTabs()
        self._orders_tab, self._points_tab = self._tabs.orders, self._tabs.points
        self._service_tab, self._marketing_tab = self._tabs.service, self._tabs.marketing
        self._record_tabs = self._tabs.record_tabs
        self.work_tab = self._tabs.work
        layout.addWidget(self._tabs, 1)
        return page

    def _build_new_caller_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(12)
        self._new_title = QLabel()
        self._new_title.setObjectName("pageTitle")
        self._new_number = QLabel()
        self._new_number.setObjectName("callerNumber")
        self._new_number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._new_hint = QLabel()
        self._new_hint.setObjectName("pageHint")
        self._new_hint.setWordWrap(True)
        self._create_button = QPushButton()
        self._create_button.setObjectName("primaryButton")
        self._create_button.clicked.connect(
            lambda: self.createCustomerRequested.emit(self._new_caller_number)
        )
        self._new_search_button = QPushButton()
        self._new_search_button.clicked.connect(self.searchRequested.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._create_button)
        buttons.addWidget(self._new_search_button)
        buttons.addStretch(1)
        for label in (self._new_title, self._new_number, self._new_hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        layout.addWidget(self._new_title)
        layout.addWidget(self._new_number)
        layout.addWidget(self._new_hint)
        layout.addLayout(buttons)
        layout.addStretch(3)
        return page

    def _build_matches_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        self._matches_title = QLabel()
        self._matches_title.setObjectName("pageTitle")
        self._matches_hint = QLabel()
        self._matches_hint.setObjectName("pageHint")
        self._matches_model = RecordTableModel(MATCH_COLUMNS, self)
        self._matches_table: QTableView = make_table(self._matches_model)
        self._matches_table.setObjectName("matchesTable")
        self._matches_table.activated.connect(self._on_match_activated)
        layout.addWidget(self._matches_title)
        layout.addWidget(self._matches_hint)
        layout.addWidget(self._matches_table, 1)
        return page

    def _build_withheld_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(12)
        self._withheld_title = QLabel()
        self._withheld_title.setObjectName("pageTitle")
        self._withheld_hint = QLabel()
        self._withheld_hint.setObjectName("pageHint")
        self._withheld_hint.setWordWrap(True)
        self._withheld_search = QPushButton()
        self._withheld_search.setObjectName("primaryButton")
        self._withheld_search.clicked.connect(self.searchRequested.emit)
        for label in (self._withheld_title, self._withheld_hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._withheld_search)
        buttons.addStretch(1)
        layout.addStretch(2)
        layout.addWidget(self._withheld_title)
        layout.addWidget(self._withheld_hint)
        layout.addLayout(buttons)
        layout.addStretch(3)
        return page

    def _on_call_back(self) -> None:
        if self._call_back_number:
            self.callBackRequested.emit(self._call_back_number)

    def _on_reveal(self) -> None:
        if self._customer_id:
            self._reveal.setEnabled(False)  # one request at a time; end_reveal enables it again
            self.revealRequested.emit(self._customer_id)

    def _on_match_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.customerChosen.emit(self._matches_model.record(index.row()).card.customer_id)

    # ------------------------------------------------------------------ translation ------------
    def _retranslate_static(self) -> None:
        self._empty_title.setText(self.tr("No customer on screen"))
        self._empty_hint.setText(
            self.tr(
                "The caller's card appears here when a call rings. Press Ctrl+F to search for a customer."
            )
        )
        self._phones_caption.setText(self.tr("Phone:"))
        self._points_caption.setText(self.tr("Points:"))
        self._ltv_caption.setText(self.tr("Lifetime value:"))
        self._call_back.setText(self.tr("Call back"))
        self._call_back.setToolTip(self.tr("Dial the customer's first number (dial pad, Ctrl+Shift+D)"))
        self._reveal.setText(self.tr("Reveal number"))
        self._reveal.setShortcut(QKeySequence("Ctrl+Shift+R"))  # after setText, which resets it
        self._reveal.setToolTip(self.tr("Show the numbers in full; the audit log records it (Ctrl+Shift+R)"))
        self._stale.setText(self.tr("Cached data, may be out of date (offline)"))
        self._new_title.setText(self.tr("New caller"))
        self._new_hint.setText(
            self.tr(
                "This number is not linked to any customer. Create a customer, or search "
                "if the caller already has an account under another number."
            )
        )
        self._create_button.setText(self.tr("Create customer"))
        self._new_search_button.setText(self.tr("Search customers"))
        self._matches_hint.setText(self.tr("Press Enter or double-click to open the customer's card."))
        self._withheld_title.setText(self.tr("Number withheld"))
        self._withheld_hint.setText(
            self.tr(
                "The caller's number is hidden. Ask for their name, phone number or order number and search."
            )
        )
        self._withheld_search.setText(self.tr("Search (Ctrl+F)"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate_static()
            self._tabs.retranslate()
            self._matches_model.retranslate()
            if self._rerender is not None:
                self._rerender()
        super().changeEvent(event)
