"""Issue #17 "cache at rest": every file holding customer data or secrets is 0600 on POSIX,
whatever the umask, and a looser file left by an older version is tightened when opened."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from calldesk_domain.wrapup import StoredWrapup
from desktop import logging_setup
from desktop.cache.store import CacheStore
from desktop.config import Settings, save_user_settings
from desktop.services.attachments import AttachmentService
from desktop.services.worker import release_worker_store
from desktop.services.wrapup_state import WrapupStateFile
from desktop.support_bundle import write_bundle

pytestmark = pytest.mark.skipif(os.name != "posix", reason="Windows: the profile's ACL applies")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: the modes must not come from it."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_cache_and_its_wal_and_shm_are_private(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "new-folder" / "cache.sqlite3"
    with CacheStore(path) as store:
        store.write_local("ticket", {"id": "T1", "title": "leak?"})
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    assert mode(path.parent) == 0o700  # a folder CallDesk made


def test_a_world_readable_cache_is_tightened_on_open(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "cache.sqlite3"
    CacheStore(path).close()
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if p.exists():
            p.chmod(0o644)
    with CacheStore(path):
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if p.exists():
                assert mode(p) == 0o600, p


def test_an_existing_shared_folder_is_left_alone(tmp_path: Path, open_umask: None) -> None:
    tmp_path.chmod(0o755)
    CacheStore(tmp_path / "cache.sqlite3").close()
    assert mode(tmp_path) == 0o755  # e.g. /tmp: not ours to change


def test_log_files_are_private_and_rotation_keeps_it(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_path = tmp_path / "logs" / "calldesk.log"
    log_path.parent.mkdir()
    (log_path.parent / "calldesk.log.1").write_text("old line from an older version\n")
    (log_path.parent / "calldesk.log.1").chmod(0o644)
    monkeypatch.setattr(logging_setup, "log_file_path", lambda: log_path)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        assert logging_setup.setup_logging("INFO") == log_path
        handler = next(h for h in root.handlers if h not in before)
        assert isinstance(handler, logging_setup.PrivateRotatingFileHandler)
        logging.getLogger("test").warning("a line")
        handler.doRollover()
        logging.getLogger("test").warning("after rollover")
        handler.flush()
    finally:
        for h in root.handlers[:]:
            if h not in before:
                root.removeHandler(h)
                h.close()
    files = sorted(log_path.parent.glob("calldesk.log*"))
    assert len(files) >= 2
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


async def test_attachment_copy_and_marker_are_private(tmp_path: Path, open_umask: None) -> None:
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF customer id card")
    source.chmod(0o644)
    with CacheStore(tmp_path / "cache.sqlite3") as store:
        service = AttachmentService(store, tmp_path / "attachments", "agent-1")
        record = await service.attach("T1", source)
        copy = service.local_path(record)
        assert mode(copy) == 0o600
        assert mode(copy.parent) == 0o700
        assert mode(tmp_path / "attachments") == 0o700
    await release_worker_store(None)


def test_support_bundle_settings_and_wrapup_state_are_private(tmp_path: Path, open_umask: None) -> None:
    config = tmp_path / "config" / "config.toml"
    save_user_settings({"language": "en"}, config_file=config)
    assert mode(config) == 0o600
    bundle = tmp_path / "bundle.zip"
    write_bundle(bundle, Settings(cache_path=str(tmp_path / "cache.sqlite3")), tmp_path, config)
    assert mode(bundle) == 0o600
    state = WrapupStateFile(tmp_path / "cache.sqlite3.wrapup.json")
    state.save(StoredWrapup("c1", 10.0, False, False))
    assert mode(state.path) == 0o600
