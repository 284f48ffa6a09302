"""The UI languages and the wrap-up codes have one home (calldesk_domain.vocabulary): the
settings, the contact service, the language menu, the settings dialog and the demo all offer
exactly that list."""

from __future__ import annotations

import argparse

from calldesk_domain.vocabulary import DISPOSITION_CODES, LANGUAGE_NAMES, LANGUAGES
from desktop import demo
from desktop.config import Settings
from desktop.services.contacts import ContactService
from desktop.views.main_window import MainWindow


def test_languages_are_named_in_their_own_language() -> None:
    assert LANGUAGES == ("zh_CN", "en")
    assert LANGUAGE_NAMES["zh_CN"] == "中文（简体）" and LANGUAGE_NAMES["en"] == "English"


def test_every_language_choice_comes_from_the_one_list(qtbot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    offered = [(a.data(), a.text()) for a in window.language_menu.actions()]
    assert offered == list(LANGUAGE_NAMES.items())
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    (language,) = [a for a in parser._actions if a.dest == "language"]
    assert tuple(language.choices) == LANGUAGES and language.default == LANGUAGES[0]


def test_default_dispositions_come_from_the_one_list(tmp_path) -> None:
    assert Settings().disposition_codes == DISPOSITION_CODES
    assert ContactService(store=None, agent_id="1001", dispositions=()).dispositions == DISPOSITION_CODES  # type: ignore[arg-type]
