"""The supervisor's queue panel: one row per queue with today's figures and a last-hour sparkline.

Fed with `BoardSnapshot`s (`show_snapshot`); figures over a threshold are coloured AND marked in
words ("△ warning", "▲ ALARM"), so the level reads without colour.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPointF, QRect, Qt
from PySide6.QtGui import QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.board import BoardSnapshot, Level, QueueRow, Thresholds
from desktop.views.supervisor_format import (
    LEVEL_BACKGROUNDS,
    LEVEL_COLOURS,
    duration,
    level_word,
    percent,
    with_level,
)

SPARK_ROLE = Qt.ItemDataRole.UserRole + 1
LEVEL_COLUMNS = frozenset({1, 2, 7, 8, 10})  # waiting, longest wait, SL, ASA, abandon rate
SL_COLUMN = 7
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 2


class SparklineDelegate(QStyledItemDelegate):
    """Draws a list of ints as a line (the most callers waiting per minute over the last hour)."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().paint(painter, option, index)
        values = index.data(SPARK_ROLE)
        if not values:
            return
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        top = max(max(values), 1)
        step = rect.width() / max(len(values) - 1, 1)
        points = QPolygonF(
            [
                QPointF(rect.left() + i * step, rect.bottom() - rect.height() * v / top)
                for i, v in enumerate(values)
            ]
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(LEVEL_COLOURS[Level.OK].darker(120), 1.5))
        painter.drawPolyline(points)
        painter.restore()


class QueuePanel(QWidget):
    def __init__(self, thresholds: Thresholds | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thresholds = thresholds or Thresholds()
        self.table = QTableWidget(0, 0, self)
        self.table.setObjectName("queuePanelTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self._spark = SparklineDelegate(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self._snapshot: BoardSnapshot | None = None
        self._sized_for: tuple[str, ...] | None = None
        # row -> (cells, SL tooltip, sparkline) its items show
        self._shown: dict[int, tuple[list[tuple[str, Level]], str, tuple[int, ...]]] = {}
        self._retranslate()

    def headers(self) -> list[str]:
        return [
            self.tr("Queue"),
            self.tr("Waiting"),
            self.tr("Longest wait"),
            self.tr("Offered"),
            self.tr("Answered"),
            self.tr("Abandoned"),
            self.tr("Timed out"),
            self.tr("SL"),
            self.tr("ASA"),
            self.tr("AHT"),
            self.tr("Abandon rate"),
            self.tr("Ready / busy / paused"),
            self.tr("Waiting, last hour"),
        ]

    def _retranslate(self) -> None:
        headers = self.headers()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        sl_tip = self.tr(
            "Service level: answered within the threshold / answered (Asterisk ServicelevelPerf)"
        )
        header_item = self.table.horizontalHeaderItem(7)
        if header_item is not None:
            header_item.setToolTip(sl_tip)
        self.table.setItemDelegateForColumn(len(headers) - 1, self._spark)
        header = self.table.horizontalHeader()
        # sized once per change of queues or language: ResizeToContents re-measures every cell on
        # every update (20 ms a refresh for 20 queues), which the 50 events/s floor cannot afford
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(len(headers) - 1, 120)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self._sized_for = None
            self._shown = {}
            if self._snapshot is not None:
                self.show_snapshot(self._snapshot)
        super().changeEvent(event)

    def show_snapshot(self, snapshot: BoardSnapshot) -> None:
        self._snapshot = snapshot
        rows = snapshot.queues
        if self.table.rowCount() != len(rows):
            self.table.setRowCount(len(rows))
            self._shown = {}
        spark_column = self.table.columnCount() - 1
        for row, queue in enumerate(rows):
            # the texts are cheap to make; the items (calls into Qt) are visited only where they differ
            cells = self._cells(queue)
            tip = (
                ""
                if queue.pbx_sl_pct is None
                else self.tr("PBX's own figure (QueueParams): {sl}").format(sl=percent(queue.pbx_sl_pct))
            )
            shown = (cells, tip, queue.waiting_last_hour)
            before = self._shown.get(row)
            if before == shown:
                continue
            self._shown[row] = shown
            for column, (text, level) in enumerate(cells):
                if before is None or before[0][column] != (text, level):
                    self._set(row, column, text, level)
            if before is None or before[1] != tip:
                sl_item = self._item(row, SL_COLUMN)
                if sl_item.toolTip() != tip:
                    sl_item.setToolTip(tip)
            if before is None or before[2] != queue.waiting_last_hour:
                spark = self._item(row, spark_column)
                values = list(queue.waiting_last_hour)
                if spark.data(SPARK_ROLE) != values:
                    spark.setData(SPARK_ROLE, values)
        names = tuple(queue.queue for queue in rows)
        if names != self._sized_for:
            self._sized_for = names
            self._size_columns()

    def _size_columns(self) -> None:
        spark_column = self.table.columnCount() - 1
        metrics = self.table.fontMetrics()
        words = [level_word(level) for level in (Level.WARNING, Level.ALARM)]
        room = max(metrics.horizontalAdvance(f"0:00:00 ▲ {word}") for word in words) + 16
        for column in range(1, spark_column):
            self.table.resizeColumnToContents(column)
            if column in LEVEL_COLUMNS:  # a level word may appear later: keep room for it
                self.table.setColumnWidth(column, max(self.table.columnWidth(column), room))

    def cell_text(self, queue: str, column: int) -> str:
        for row in range(self.table.rowCount()):
            name = self.table.item(row, 0)
            if name is not None and name.text() == queue:
                item = self.table.item(row, column)
                return "" if item is None else item.text()
        raise KeyError(queue)

    def cell_level(self, queue: str, column: int) -> Level:
        for row in range(self.table.rowCount()):
            name = self.table.item(row, 0)
            if name is not None and name.text() == queue:
                item = self.table.item(row, column)
                return Level(item.data(LEVEL_ROLE) if item is not None else 0)
        raise KeyError(queue)

    def _cells(self, q: QueueRow) -> list[tuple[str, Level]]:
        t = self.thresholds
        waiting_level = t.waiting.level(q.waiting)
        longest_level = t.longest_wait_s.level(q.longest_wait_s)
        sl_level = t.sl_pct.level(q.sl_pct)
        asa_level = t.asa_s.level(q.asa_s)
        abandon_level = t.abandon_rate_pct.level(q.abandon_rate_pct)
        return [
            (q.queue, Level.OK),
            (with_level(str(q.waiting), waiting_level), waiting_level),
            (with_level(duration(q.longest_wait_s), longest_level), longest_level),
            (str(q.offered), Level.OK),
            (str(q.answered), Level.OK),
            (str(q.abandoned), Level.OK),
            (str(q.unanswered), Level.OK),
            (with_level(percent(q.sl_pct), sl_level), sl_level),
            (with_level(duration(q.asa_s), asa_level), asa_level),
            (duration(q.aht_s), Level.OK),
            (with_level(percent(q.abandon_rate_pct), abandon_level), abandon_level),
            (f"{q.agents_ready} / {q.agents_busy} / {q.agents_paused}", Level.OK),
            ("", Level.OK),
        ]

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            if column > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if column == self.table.columnCount() - 1:
                item.setToolTip(self.tr("Most callers waiting per minute, last 60 minutes"))
            self.table.setItem(row, column, item)
        return item

    def _set(self, row: int, column: int, text: str, level: Level) -> None:
        item = self._item(row, column)
        if item.text() != text:
            item.setText(text)
        if item.data(LEVEL_ROLE) != int(level):
            item.setData(LEVEL_ROLE, int(level))
            item.setForeground(
                LEVEL_COLOURS[level] if level is not Level.OK else self.palette().text().color()
            )
            item.setBackground(LEVEL_BACKGROUNDS[level])
