from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.config import Settings, load_settings


def _load(tmp_path: Path, text: str | None = None, env: dict[str, str] | None = None, defaults: str = ""):
    cfg = tmp_path / "config.toml"
    if text is not None:
        cfg.write_text(text, encoding="utf-8")
    dfl = tmp_path / "defaults.toml"
    dfl.write_text(defaults, encoding="utf-8")
    return load_settings(config_file=cfg, env=env or {}, defaults_file=dfl)


def test_missing_file_gives_defaults(tmp_path):
    s = _load(tmp_path)
    assert s == Settings()
    assert s.problems == ()


def test_layers_msi_defaults_then_user_then_env(tmp_path):
    s = _load(
        tmp_path,
        '[calldesk]\ncti_port = 7400\nlanguage = "en"\n[calldesk.dnis_names]\n"4008123456" = "服务热线"\n',
        env={"CALLDESK_CTI_PORT": "7500"},
        defaults='central_url = "https://crm.example.cn"\ncti_port = 7391\n',
    )
    assert s.central_url == "https://crm.example.cn"
    assert s.language == "en"
    assert s.cti_port == 7500
    assert s.hotline_name("4008123456") == "服务热线"
    assert s.hotline_name("4000000000") == "4000000000"


def test_bad_values_are_reported_and_defaults_kept(tmp_path):
    s = _load(tmp_path, 'cti_port = "abc"\nlanguage = "fr"\ncti_host = "0.0.0.0"\nwhat = 1\n')
    assert s.cti_port == 7390
    assert s.language == "zh_CN"
    assert s.cti_host == "127.0.0.1"
    text = "\n".join(s.problems)
    assert "cti_port" in text and "language" in text and "loopback" in text and "unknown setting" in text


def test_broken_toml_is_reported_not_fatal(tmp_path):
    s = _load(tmp_path, "cti_port = [unclosed\n")
    assert s.cti_port == 7390
    assert len(s.problems) == 1 and "cannot read settings" in s.problems[0]


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "CALLDESK_CTI_PORT",
                "CALLDESK_LANGUAGE",
                "CALLDESK_CENTRAL_URL",
                "CALLDESK_DETAIL_WINDOW_DAYS",
                "CALLDESK_CACHE_PATH",
            ]
        ),
        st.text(max_size=30),
    )
)
def test_any_environment_loads_without_raising(env):
    s = load_settings(
        config_file=Path("/nonexistent/c.toml"), env=env, defaults_file=Path("/nonexistent/d.toml")
    )
    assert 0 <= s.cti_port <= 65535
    assert s.language in ("zh_CN", "en")


def test_disposition_codes_and_ready_rule_default_to_the_service_defaults(tmp_path):
    from calldesk_domain.vocabulary import DISPOSITION_CODES

    s = _load(tmp_path)
    assert s.disposition_codes == DISPOSITION_CODES
    assert s.require_contact_before_ready is True


def test_disposition_codes_from_toml_and_environment(tmp_path):
    s = _load(
        tmp_path,
        '[calldesk]\ndisposition_codes = ["resolved", "sale", "no-answer"]\n'
        "require_contact_before_ready = false\n",
    )
    assert s.disposition_codes == ("resolved", "sale", "no-answer")
    assert s.require_contact_before_ready is False and s.problems == ()
    s = _load(
        tmp_path,
        env={
            "CALLDESK_DISPOSITION_CODES": " resolved , spam ",
            "CALLDESK_REQUIRE_CONTACT_BEFORE_READY": "no",
        },
    )
    assert s.disposition_codes == ("resolved", "spam") and s.require_contact_before_ready is False


@pytest.mark.parametrize(
    "value",
    [
        "[]",
        '"resolved"',
        '["ok", 3]',
        '["Bad Code"]',
        '["a", "a"]',
        '[""]',
        "42",
        "[" + ", ".join([f'"c{i}"' for i in range(51)]) + "]",
    ],
)
def test_bad_disposition_codes_are_reported_and_the_default_kept(tmp_path, value):
    s = _load(tmp_path, f"[calldesk]\ndisposition_codes = {value}\n")
    if value == '"resolved"':  # one code written as text is a one-code list, like the environment
        assert s.disposition_codes == ("resolved",) and s.problems == ()
        return
    assert s.disposition_codes == Settings().disposition_codes
    assert len(s.problems) == 1 and "disposition_codes" in s.problems[0]


def test_bad_ready_rule_is_reported(tmp_path):
    s = _load(tmp_path, '[calldesk]\nrequire_contact_before_ready = "maybe"\n')
    assert s.require_contact_before_ready is True
    assert "require_contact_before_ready" in s.problems[0]


def test_admin_transport_and_offline_settings(tmp_path):
    s = _load(tmp_path)
    assert s.allow_insecure_http is False and s.offline_grace_hours == 72
    s = _load(tmp_path, defaults="allow_insecure_http = true\noffline_grace_hours = 8\n")
    assert s.allow_insecure_http is True and s.offline_grace_hours == 8
    s = _load(tmp_path, env={"CALLDESK_ALLOW_INSECURE_HTTP": "maybe", "CALLDESK_OFFLINE_GRACE_HOURS": "-1"})
    assert s.allow_insecure_http is False and s.offline_grace_hours == 72
    assert len(s.problems) == 2


def test_sync_poll_and_feed_notifications(tmp_path):
    s = _load(tmp_path)
    assert s.feed_notifications is True and s.sync_poll_seconds == 15  # issue #18: the stream is on
    s = _load(tmp_path, "sync_poll_seconds = 600\nfeed_notifications = false\n")
    assert (s.sync_poll_seconds, s.feed_notifications, s.problems) == (600, False, ())
    for bad in ("0", "-5", '"soon"'):
        s = _load(tmp_path, f"sync_poll_seconds = {bad}\n")
        assert s.sync_poll_seconds == 15
        assert len(s.problems) == 1 and "sync_poll_seconds" in s.problems[0]
