import asyncio

from PySide6.QtWidgets import QLabel


async def test_async_tests_run_on_qt_loop(qtbot):
    label = QLabel("x")
    qtbot.addWidget(label)
    await asyncio.sleep(0.01)
    label.setText("done")
    assert label.text() == "done"
    assert type(asyncio.get_running_loop()).__module__.startswith("qasync")
