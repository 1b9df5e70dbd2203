"""One Synapse per test session, shared by every Matrix test (restartable for the restart test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.matrix.homeserver import Homeserver


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/matrix/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.matrix)


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    hs = Homeserver(tmp_path_factory.mktemp("synapse"))
    hs.configure()
    hs.start()
    try:
        yield hs
    finally:
        hs.stop()
