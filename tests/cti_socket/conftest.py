"""Fixtures for the CTI socket tests: a real listener on 127.0.0.1, port 0, and what it received."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cti_socket_helpers import TOKEN, Received

from desktop.cti.listener import CtiListener


def pytest_addoption(parser: pytest.Parser) -> None:
    # Only honoured when this conftest is an initial one (pytest tests/cti_socket --cti-soak);
    # CALLDESK_CTI_SOAK=1 works from anywhere.
    parser.addoption("--cti-soak", action="store_true", default=False, help="run the 1M-frame CTI soak")


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
async def listener(received: Received) -> AsyncIterator[CtiListener]:
    server = CtiListener(
        port=0,
        token=TOKEN,
        on_event=received.on_event,
        on_command_result=received.results.append,
        hello_timeout_s=0.5,
    )
    await server.start()
    yield server
    await server.stop()
