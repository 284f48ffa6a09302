"""GUI tests drive real widgets offscreen with pytest-qt. Every test starts and ends in English."""

from __future__ import annotations

import pytest

from desktop.views.i18n import install_translator


@pytest.fixture(autouse=True)
def english_ui(qapp):
    install_translator(qapp, "en")
    qapp.processEvents()
    yield
    install_translator(qapp, "en")
    qapp.processEvents()
