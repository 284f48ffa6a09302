"""The wallboard: full-screen figures for a TV, readable from 5 m, one queue at a time.

Big figures (waiting, longest wait, SL, ASA, abandon rate, agents ready), calls per interval and
the SL trend (QtCharts) for today, cycling through the queues every `cycle_ms`. When the CTI
source is lost the figures stay but a banner says "stale since hh:mm". F11 toggles full screen.
"""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCharts import QChartView
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QKeyEvent, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from calldesk_domain.board import BoardSnapshot, Level, QueueRow, Thresholds
from desktop.views.supervisor_format import LEVEL_COLOURS, duration, level_word, percent, stale_text
from desktop.views.wallboard_charts import IntervalCharts

CYCLE_MS = 15_000
FIGURE_POINT_SIZE = 60  # ~19 mm cap height on a 42" 1080p TV: readable from 5 m
CAPTION_POINT_SIZE = 20


class Figure(QFrame):
    """A caption, a big value and, under it, the level in words (never colour alone)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallboardFigure")
        self.caption = QLabel()
        self.value = QLabel()
        self.level = QLabel()
        font = QFont(self.value.font())
        font.setPointSize(FIGURE_POINT_SIZE)
        font.setBold(True)
        self.value.setFont(font)
        caption_font = QFont(self.caption.font())
        caption_font.setPointSize(CAPTION_POINT_SIZE)
        self.caption.setFont(caption_font)
        level_font = QFont(caption_font)
        level_font.setBold(True)
        self.level.setFont(level_font)
        for label in (self.caption, self.value, self.level):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.level)

    def set(self, text: str, level: Level) -> None:
        # only what changed: a style sheet set again re-polishes the label even when it is the same
        if self.value.text() != text:
            self.value.setText(text)
        word = level_word(level)
        marked = ("▲ " if level is Level.ALARM else "△ ") + word if word else " "
        if self.level.text() != marked:
            self.level.setText(marked)
        colour = LEVEL_COLOURS[level].name() if level is not Level.OK else "palette(window-text)"
        style = f"color: {colour};"
        if self.value.styleSheet() != style:
            self.value.setStyleSheet(style)
            self.level.setStyleSheet(style)


class Wallboard(QWidget):
    def __init__(
        self,
        thresholds: Thresholds | None = None,
        zone: tzinfo | None = None,
        cycle_ms: int = CYCLE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wallboard")
        self.thresholds = thresholds or Thresholds()
        self.zone = zone
        self.snapshot: BoardSnapshot | None = None
        self.queue_index = 0
        self.banner = QLabel()
        self.banner.setObjectName("wallboardStale")
        self.banner.setWordWrap(True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner_font = QFont(self.banner.font())
        banner_font.setPointSize(CAPTION_POINT_SIZE + 4)
        banner_font.setBold(True)
        self.banner.setFont(banner_font)
        self.banner.setStyleSheet("background: #c62828; color: white; padding: 8px;")
        self.banner.hide()
        self.title = QLabel()
        title_font = QFont(self.title.font())
        title_font.setPointSize(CAPTION_POINT_SIZE + 12)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.figures = {
            name: Figure(self) for name in ("waiting", "longest", "sl", "asa", "abandon", "ready")
        }
        grid = QGridLayout()
        for position, figure in enumerate(self.figures.values()):
            grid.addWidget(figure, position // 3, position % 3)
        self.charts = IntervalCharts()
        self.calls_chart = self.charts.calls_chart
        self.sl_chart = self.charts.sl_chart
        charts = QHBoxLayout()
        for chart in (self.calls_chart, self.sl_chart):
            chart.legend().setVisible(chart is self.calls_chart)
            chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            view = QChartView(chart)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(220)
            charts.addWidget(view)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.title)
        layout.addLayout(grid, 3)
        layout.addLayout(charts, 2)
        self.cycle_timer = QTimer(self)
        self.cycle_timer.setInterval(cycle_ms)
        self.cycle_timer.timeout.connect(self.next_queue)
        if cycle_ms > 0:
            self.cycle_timer.start()
        self._retranslate()

    # ---- public ---------------------------------------------------------------------------
    def show_snapshot(self, snapshot: BoardSnapshot) -> None:
        self.snapshot = snapshot
        self._render()

    def next_queue(self) -> None:
        if self.snapshot is not None and self.snapshot.queues:
            self.queue_index = (self.queue_index + 1) % len(self.snapshot.queues)
            self._render()

    def current_queue(self) -> str | None:
        queues = self.snapshot.queues if self.snapshot else ()
        return queues[self.queue_index % len(queues)].queue if queues else None

    def chart_bars(self) -> list[tuple[float, float]]:
        """(offered, answered) per interval as the calls chart shows them."""
        return self.charts.bars_shown()

    def figure_text(self, name: str) -> str:
        return self.figures[name].value.text()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
            return
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
            return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    # ---- drawing ----------------------------------------------------------------------------
    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("CallDesk wallboard"))
        captions = {
            "waiting": self.tr("Calls waiting"),
            "longest": self.tr("Longest wait"),
            "sl": self.tr("Service level (SL)"),
            "asa": self.tr("Average speed of answer"),
            "abandon": self.tr("Abandon rate"),
            "ready": self.tr("Agents ready"),
        }
        for name, caption in captions.items():
            self.figures[name].caption.setText(caption)
        self.calls_chart.setTitle(self.tr("Calls per 15 minutes"))
        self.sl_chart.setTitle(self.tr("Service level per 15 minutes (%)"))
        self.charts.set_labels(self.tr("Offered"), self.tr("Answered"))
        self._render()

    def _render(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or not snapshot.queues:
            self.title.setText(self.tr("No queue data yet"))
            for figure in self.figures.values():
                figure.set("—", Level.OK)
        else:
            queues = snapshot.queues
            row = queues[self.queue_index % len(queues)]
            self.title.setText(
                self.tr("{queue}  ({n} of {m})").format(
                    queue=row.queue, n=self.queue_index % len(queues) + 1, m=len(queues)
                )
            )
            self._figures(row)
            self.charts.show(row.queue, snapshot.intervals.get(row.queue, ()))
        if snapshot is not None and snapshot.stale_since is not None:
            self.banner.setText(stale_text(snapshot.stale_since, self.zone, snapshot.stale_detail))
            self.banner.show()
        else:
            self.banner.hide()

    def _figures(self, row: QueueRow) -> None:
        t = self.thresholds
        values = {
            "waiting": (str(row.waiting), t.waiting.level(row.waiting)),
            "longest": (duration(row.longest_wait_s), t.longest_wait_s.level(row.longest_wait_s)),
            "sl": (percent(row.sl_pct), t.sl_pct.level(row.sl_pct)),
            "asa": (duration(row.asa_s), t.asa_s.level(row.asa_s)),
            "abandon": (percent(row.abandon_rate_pct), t.abandon_rate_pct.level(row.abandon_rate_pct)),
            "ready": (str(row.agents_ready), Level.OK),
        }
        for name, (text, level) in values.items():
            self.figures[name].set(text, level)
