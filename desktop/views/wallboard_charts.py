"""The wallboard's two QtCharts (calls per interval, SL trend), built once and updated in place.

Rebuilding a chart's series and axes costs little in Python but a great deal in the layout Qt
runs afterwards (tens of milliseconds on the UI thread for each queue change of the wallboard's
cycle), so the series and axes live as long as the charts: a new queue or a new interval only
changes categories, values and the calls axis range, and only what differs.

New categories (an interval boundary, or a queue whose intervals differ) cost each chart a
relabel and a layout (~7 ms of UI thread each, bench/bench_supervisor.py --explain); in the
same loop turn as the board's snapshot that made the worst stall of the supervisor view. So the
SL chart takes its new categories one loop turn after the calls chart: the stall is split, and
for that turn the SL chart still shows its previous, consistent labels and line. The same for
the wallboard's cycle to another queue: the calls chart's new bars and axis cost a scene update
and a layout (~12 ms in all), the SL chart's line follows in the next turn.
"""

from __future__ import annotations

import math

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor

from calldesk_domain.board import IntervalPoint

CHART_INTERVALS = 16  # the last four hours of 15-minute intervals
# 16 "HH:mm" labels side by side need more than the ~36 px an interval gets in a chart half of a
# 1366 px wide wallboard (Qt cut them to "1…"); upright they need only a line's height each
LABELS_ANGLE = -90
# The SL axis runs a little past 100 %: a line at 100 % (a good interval) drawn on the plot's top
# edge merged with the frame and read as no line at all. Its ticks stay at 0, 20 ... 100.
SL_AXIS_TOP = 108.0
SL_TICK_STEP = 20.0


class IntervalCharts:
    """Owns `calls_chart` (offered and answered bars) and `sl_chart` (the SL line)."""

    def __init__(self) -> None:
        self.calls_chart = QChart()
        self.sl_chart = QChart()
        self.offered = QBarSet("")
        self.answered = QBarSet("")
        self.bars = QBarSeries()
        self.bars.append(self.offered)
        self.bars.append(self.answered)
        self.calls_chart.addSeries(self.bars)
        self.calls_x = QBarCategoryAxis()
        self.calls_x.setLabelsAngle(LABELS_ANGLE)
        self.calls_y = QValueAxis()
        # as calls_scale sets it: show() leaves an axis whose top is already right untouched
        top, ticks = calls_scale(1)
        self.calls_y.setRange(0, top)
        self.calls_y.setTickCount(ticks)
        self.calls_y.setLabelFormat("%d")
        self.calls_chart.addAxis(self.calls_x, Qt.AlignmentFlag.AlignBottom)
        self.calls_chart.addAxis(self.calls_y, Qt.AlignmentFlag.AlignLeft)
        self.bars.attachAxis(self.calls_x)
        self.bars.attachAxis(self.calls_y)
        self.sl_line = QLineSeries()
        self.sl_line.setColor(QColor("#1565c0"))
        self.sl_chart.addSeries(self.sl_line)
        self.sl_x = QBarCategoryAxis()
        self.sl_x.setLabelsAngle(LABELS_ANGLE)
        self.sl_y = sl_y = QValueAxis()
        sl_y.setRange(0, SL_AXIS_TOP)
        sl_y.setTickType(QValueAxis.TickType.TicksDynamic)
        sl_y.setTickAnchor(0)
        sl_y.setTickInterval(SL_TICK_STEP)
        sl_y.setLabelFormat("%d")
        self.sl_chart.addAxis(self.sl_x, Qt.AlignmentFlag.AlignBottom)
        self.sl_chart.addAxis(sl_y, Qt.AlignmentFlag.AlignLeft)
        self.sl_line.attachAxis(self.sl_x)
        self.sl_line.attachAxis(sl_y)
        self._shape: tuple[str, tuple[object, ...]] | None = None
        self._values: tuple[tuple[int, int, float | None], ...] | None = None
        self._sl_points: tuple[IntervalPoint, ...] = ()
        self._sl_relabel = QTimer(self.sl_chart)  # dies with the chart
        self._sl_relabel.setSingleShot(True)
        self._sl_relabel.setInterval(0)
        self._sl_relabel.timeout.connect(self._show_sl)

    def set_labels(self, offered: str, answered: str) -> None:
        self.offered.setLabel(offered)
        self.answered.setLabel(answered)

    def show(self, queue: str, points: tuple[IntervalPoint, ...]) -> None:
        """The last `CHART_INTERVALS` intervals of `queue`. A new queue or interval resets the
        calls axis to the figures shown; otherwise it only grows (bars never leap off-scale)."""
        points = points[-CHART_INTERVALS:]
        shape = (queue, tuple(p.start for p in points))
        values = tuple((p.offered, p.answered, p.sl_pct) for p in points)
        new_shape = shape != self._shape
        if not new_shape and values == self._values:
            return
        top, ticks = calls_scale(max([1, *(p.offered for p in points)]))
        labels = _labels(points) if new_shape else None
        if labels is not None:
            self._set_categories(labels)
            if self.calls_y.max() != top or self.calls_y.min() != 0:
                self._set_calls_top(top, ticks, reset=True)
        elif self.calls_y.max() < top:
            self._set_calls_top(top, ticks, reset=False)
        self._shape = shape
        self._values = values
        for index, point in enumerate(points):
            if self.offered.at(index) != point.offered:
                self.offered.replace(index, float(point.offered))
            if self.answered.at(index) != point.answered:
                self.answered.replace(index, float(point.answered))
        self._sl_points = points
        if self._sl_relabel.isActive():
            return  # the pending turn draws these points
        if labels is not None:  # a new queue or interval: the calls chart's layout is enough for a turn
            self._sl_relabel.start()
        else:
            self._show_sl()

    def sl_shown(self) -> tuple[list[str], list[tuple[float, float]]]:
        """The SL chart's categories and line points, as drawn."""
        return self.sl_x.categories(), [(p.x(), p.y()) for p in self.sl_line.points()]

    def _show_sl(self) -> None:
        points = self._sl_points
        labels = _labels(points)
        if self.sl_x.categories() != labels:
            self.sl_x.setCategories(labels)
        line = [QPointF(i, p.sl_pct) for i, p in enumerate(points) if p.sl_pct is not None]
        if self.sl_line.points() != line:
            self.sl_line.replace(line)

    def _set_categories(self, labels: list[str]) -> None:
        if self.calls_x.categories() != labels:
            self.calls_x.setCategories(labels)
        count = len(labels)
        for bar_set in (self.offered, self.answered):
            if bar_set.count() > count:
                bar_set.remove(count, bar_set.count() - count)
            elif bar_set.count() < count:
                bar_set.append([0.0] * (count - bar_set.count()))

    def _set_calls_top(self, top: float, ticks: int, reset: bool) -> None:
        if reset:
            self.calls_y.setRange(0, top)
        else:
            self.calls_y.setMax(top)
        if self.calls_y.tickCount() != ticks:
            self.calls_y.setTickCount(ticks)

    def bars_shown(self) -> list[tuple[float, float]]:
        return [(self.offered.at(i), self.answered.at(i)) for i in range(self.offered.count())]


def calls_scale(most: float) -> tuple[float, int]:
    """The calls axis' top and tick count for a tallest bar of `most` calls: a whole number of
    round steps (1, 2 or 5 x 10^n calls), at most five. A new top costs the chart a layout
    (~3.5 ms of UI thread, more than the bars): with round steps the axis moves only when a bar
    passes the top, not with each call of a growing interval, and its labels are round numbers."""
    most = max(1.0, float(most))
    power = 1.0
    while True:
        for multiple in (1, 2, 5):
            step = multiple * power
            if most <= 5 * step:
                steps = math.ceil(most / step)
                return steps * step, steps + 1
        power *= 10


def _labels(points: tuple[IntervalPoint, ...]) -> list[str]:
    return [p.start.strftime("%H:%M") for p in points]
