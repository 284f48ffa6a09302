import asyncio

import qasync
from PySide6.QtWidgets import QLabel

from desktop.qt_loop import QtLoop


async def test_async_tests_run_on_qt_loop(qtbot):
    label = QLabel("x")
    qtbot.addWidget(label)
    await asyncio.sleep(0.01)
    label.setText("done")
    assert label.text() == "done"
    loop = asyncio.get_running_loop()
    assert isinstance(loop, QtLoop) and isinstance(loop, qasync.QEventLoop)  # the app's loop
