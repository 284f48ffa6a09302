"""Screen-pop paint cost: CustomerCardView.show_pop / show_detail + repaint inside a 1366x768 main
window; and, measured in the same run, the orders table filled and painted as a QTableView over
RecordTableModel against the baseline, a QTableWidget rebuilt item by item (the approach
STACK-NOTES.md measured at p99 up to 13.9 ms).

    .venv/bin/python bench/bench_card_paint.py                 # 200 pops, 10 orders per customer
    .venv/bin/python bench/bench_card_paint.py --pops 1000 --orders 200

Prints p50/p99 per phase, the share of pops painted inside one 16 ms frame, and the ratio
baseline / model-view; writes bench/results/card_paint.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

from bench._common import summary_ms, write_result
from calldesk_domain.models import CustomerDetail
from desktop.views.customer_card import CustomerCardView
from desktop.views.i18n import load_fonts
from desktop.views.main_window import MainWindow
from desktop.views.record_columns import ORDER_COLUMNS
from desktop.views.record_model import RecordTableModel, make_table
from desktop.views.sample_data import sample_detail, sample_pop
from desktop.views.theme import apply_theme

FRAME_MS = 16.0


def item_by_item(table: QTableWidget, orders: list) -> None:
    """The baseline fill: one QTableWidgetItem per cell."""
    table.clearContents()
    table.setRowCount(len(orders))
    for r, order in enumerate(orders):
        for col, column in enumerate(ORDER_COLUMNS):
            table.setItem(r, col, QTableWidgetItem(column.text(order)))


def settle(app: QApplication) -> None:
    for _ in range(3):
        app.processEvents()


def measure(app: QApplication, pops: int, details: list[CustomerDetail]) -> dict[str, list[float]]:
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    settle(app)
    card: CustomerCardView = window.card
    cards = [sample_pop(d) for d in details]
    pop_s, detail_s = [], []
    for i in range(pops):
        detail, pop = details[i % len(details)], cards[i % len(cards)]
        t0 = time.perf_counter()
        card.show_pop(pop, masked=True)
        card.repaint()
        t1 = time.perf_counter()
        card.show_detail(detail, masked=True)
        card.repaint()
        t2 = time.perf_counter()
        pop_s.append(t1 - t0)
        detail_s.append(t2 - t1)
        settle(app)
    window.close()

    # The decision being measured, isolated: the orders table filled and painted both ways, same size.
    model = RecordTableModel(ORDER_COLUMNS)
    view = make_table(model)
    widget = QTableWidget(0, len(ORDER_COLUMNS))
    widget.setHorizontalHeaderLabels([c.title for c in ORDER_COLUMNS])
    view_s, base_s = [], []
    for table in (view, widget):
        table.resize(card.width(), 480)
        table.show()
    settle(app)
    for i in range(pops):
        orders = details[i % len(details)].orders
        t0 = time.perf_counter()
        model.set_records(orders)
        view.repaint()
        t1 = time.perf_counter()
        item_by_item(widget, orders)
        widget.repaint()
        t2 = time.perf_counter()
        view_s.append(t1 - t0)
        base_s.append(t2 - t1)
        settle(app)
    view.close()
    widget.close()
    return {"pop": pop_s, "detail": detail_s, "orders_model_view": view_s, "orders_item_by_item": base_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pops", type=int, default=200)
    parser.add_argument("--orders", type=int, default=10)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    load_fonts(app)
    apply_theme(app)
    first = sample_detail("C1", orders=args.orders)
    second = sample_detail("C2", orders=max(args.orders // 2, 1))
    second = dataclasses.replace(
        second, customer=dataclasses.replace(second.customer, name="李建国", tier="ordinary", churn_risk=0.1)
    )
    measure(app, 10, [first, second])  # warm-up: fonts, glyph caches, style polish
    times = measure(app, args.pops, [first, second])
    stats = {name: summary_ms(values) for name, values in times.items()}
    within = sum(p + d <= FRAME_MS / 1000 for p, d in zip(times["pop"], times["detail"], strict=True))
    ratio = stats["orders_item_by_item"]["p50_ms"] / stats["orders_model_view"]["p50_ms"]
    ratio_p99 = stats["orders_item_by_item"]["p99_ms"] / stats["orders_model_view"]["p99_ms"]
    print(f"card paint, {args.pops} pops, {args.orders} orders per customer, 1366x768 offscreen")
    for name in ("pop", "detail", "orders_model_view", "orders_item_by_item"):
        s = stats[name]
        print(
            f"  {name:20s} p50 {s['p50_ms']:7.3f} ms   p99 {s['p99_ms']:7.3f} ms   max {s['max_ms']:7.3f} ms"
        )
    print(f"  pop+detail inside one {FRAME_MS:.0f} ms frame: {within}/{args.pops}")
    print(f"  orders table, item by item (baseline) / model-view: p50 x{ratio:.2f}, p99 x{ratio_p99:.2f}")
    path = write_result(
        "card_paint",
        {
            "pops": args.pops,
            "orders": args.orders,
            "stats": stats,
            "within_frame": within,
            "ratio_item_by_item_over_model_view_p50": round(ratio, 3),
            "ratio_item_by_item_over_model_view_p99": round(ratio_p99, 3),
        },
    )
    print(f"  wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
