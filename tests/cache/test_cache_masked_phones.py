"""An agent's cache (issue #17): masked numbers stored under their keyed hash, found by a ringing
number hashed with the pop key, by the exact number in search and by the last 4 digits; the
key itself never in the cache file."""

from __future__ import annotations

import base64
import sqlite3

import keyring

from calldesk_domain.phone import mask, phone_key
from desktop.cache import pop_key
from desktop.cache.store import CacheStore

KEY = bytes(range(32))
MOBILE, LANDLINE = "+8613912345670", "+861087654321"


def _masked(number: str, key: bytes = KEY) -> dict:
    return {"e164": mask(number), "kind": "mobile", "label": "", "key": phone_key(key, number)}


def _customer(customer_id: str, *phones: dict) -> dict:
    return {"id": customer_id, "name": "王芳", "phones": list(phones), "version": 1}


def _store(tmp_path) -> CacheStore:
    store = CacheStore(tmp_path / "cache.sqlite3")
    assert store.remember_pop_key("kid-1", KEY) is False
    return store


def test_a_ringing_number_finds_the_customer_by_its_keyed_hash(tmp_path):
    with _store(tmp_path) as store:
        store.apply_changes(
            [
                {"seq": 1, "entity": "customer", "id": "C1", "op": "upsert", "version": 1,
                 "data": _customer("C1", _masked(MOBILE), _masked(LANDLINE))},
                {"seq": 2, "entity": "customer", "id": "C2", "op": "upsert", "version": 1,
                 "data": _customer("C2", _masked(LANDLINE))},
            ],
            2,
        )  # fmt: skip
        cards = store.lookup_phone(MOBILE)
        assert [c.customer_id for c in cards] == ["C1"]
        assert cards[0].phones == (mask(MOBILE), mask(LANDLINE))  # shown masked
        assert sorted(c.customer_id for c in store.lookup_phone(LANDLINE)) == ["C1", "C2"]
        assert store.lookup_phone("+8613900000000") == []
        assert [c.customer_id for c in store.search("139 1234 5670")] == ["C1"]
        assert [c.customer_id for c in store.search("5670")] == ["C1"]  # the last 4 digits
        assert [c.customer_id for c in store.search("45670")] == ["C1"]  # matched on its last 4
        assert store.customer_detail("C1").customer.phones[0].e164 == mask(MOBILE)
    raw = (tmp_path / "cache.sqlite3").read_bytes()
    for secret in (MOBILE.encode(), MOBILE[3:].encode(), KEY, KEY.hex().encode()):
        assert secret not in raw
    with sqlite3.connect(tmp_path / "cache.sqlite3") as conn:
        assert conn.execute("SELECT value FROM sync_state WHERE key = 'pop_key_id'").fetchone() == ("kid-1",)


def test_without_the_key_a_ring_finds_nothing_and_a_keyless_masked_number_is_not_stored(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with _store(tmp_path) as store:
        unkeyed = {"e164": mask(MOBILE), "kind": "mobile", "label": ""}
        store.apply_changes(
            [{"seq": 1, "entity": "customer", "id": "C1", "op": "upsert", "version": 1,
              "data": _customer("C1", _masked(LANDLINE), unkeyed)}],
            1,
        )  # fmt: skip
        assert store.pop_card("C1").phones == (mask(LANDLINE),)
    # another process, the keyring emptied (a wiped machine): the cache alone cannot pop
    pop_key._known.clear()
    keyring.delete_password(pop_key.KEYRING_SERVICE, "kid-1")
    with CacheStore(path) as store:
        assert store.pop_key() is None
        assert store.lookup_phone(LANDLINE) == []
    # the key back from the keyring (a new process that signed in before): found again
    keyring.set_password(pop_key.KEYRING_SERVICE, "kid-1", base64.b64encode(KEY).decode())
    with CacheStore(path) as store:
        assert [c.customer_id for c in store.lookup_phone(LANDLINE)] == ["C1"]


def test_a_changed_key_is_reported_so_the_pop_index_is_rebuilt(tmp_path):
    with _store(tmp_path) as store:
        assert store.remember_pop_key("kid-1", KEY) is False
        assert store.remember_pop_key("kid-2", b"\x01" * 32) is True
        assert store.pop_key() == b"\x01" * 32


def test_the_servers_key_document_is_checked(tmp_path):
    assert pop_key.decode({"kid": "k", "key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}) == ("k", KEY)
    for bad in (None, [], {"kid": "k"}, {"kid": "", "key": "AAAA"}, {"kid": "k", "key": "not base64!"},
                {"kid": "k", "key": "AAAA"}):  # fmt: skip
        assert pop_key.decode(bad) is None


def test_a_cache_from_before_masking_is_rebuilt_for_a_user_whose_numbers_are_now_masked(tmp_path):
    full = {"e164": MOBILE, "kind": "mobile", "label": ""}
    for masked, rebuild in ((True, True), (False, False)):  # an agent's cache; a supervisor's
        with CacheStore(tmp_path / f"cache-{masked}.sqlite3") as store:
            store.apply_changes(
                [{"seq": 1, "entity": "customer", "id": "C1", "op": "upsert", "version": 1,
                  "data": _customer("C1", full)}],
                1,
            )  # fmt: skip
            assert store.remember_pop_key("kid-1", KEY, masked) is rebuild
            assert store.remember_pop_key("kid-1", KEY, masked) is False  # once, not at every pull
    with _store(tmp_path) as store:  # a fresh (or already masked) cache: nothing to rebuild
        assert store.remember_pop_key("kid-1", KEY, True) is False
