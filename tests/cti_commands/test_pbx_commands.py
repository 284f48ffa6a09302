"""The command parser (desktop/cti/pbx_commands.py): typed commands from wire dicts, clear errors
for everything else; property tests with hypothesis."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cti.pbx_commands import (
    ACTIONS,
    SUPERVISOR_ACTIONS,
    Action,
    CallCommand,
    CommandError,
    CommandOutcome,
    DialCommand,
    DtmfCommand,
    OutcomeStatus,
    PauseCommand,
    SpyCommand,
    TransferCommand,
    check_reason,
    dialable_number,
    needs_supervisor,
    parse_command,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ("action", "call_id", "target", "digits", "reason", "queue", "context", "number", "id")


@settings(max_examples=400)
@given(
    st.dictionaries(
        st.sampled_from(FIELDS),
        json_values | st.sampled_from(sorted(ACTIONS)),
        max_size=6,
    )
)
def test_any_wire_dict_is_a_command_or_a_clear_error(wire: dict[str, Any]) -> None:
    try:
        command = parse_command(wire)
    except CommandError as exc:
        assert str(exc)  # says what is wrong
        return
    assert command.action.value == wire["action"]
    for value in vars_of(command).values():  # nothing that could break an AMI header or ESL line
        if isinstance(value, str):
            assert "\n" not in value and "\r" not in value and len(value) <= 64


def vars_of(command: Any) -> dict[str, Any]:
    return {name: getattr(command, name) for name in command.__slots__}


@given(st.one_of(json_values, st.text()))
def test_non_objects_are_refused(wire: Any) -> None:
    if isinstance(wire, dict):
        return
    with pytest.raises(CommandError, match="must be a JSON object"):
        parse_command(wire)


call_ids = st.from_regex(r"\A[0-9]{10}\.[0-9]{1,4}\Z") | st.uuids().map(str)
targets = st.from_regex(r"\A(\+?[0-9]{3,15}|[a-z]{3,10}(@[a-z]{3,8})?)\Z")


@given(
    call_ids,
    st.sampled_from(
        sorted(
            a.value
            for a in Action
            if a
            in {
                Action.ANSWER,
                Action.HANGUP,
                Action.HOLD,
                Action.UNHOLD,
                Action.CONSULT_COMPLETE,
                Action.CONSULT_SWAP,
                Action.CONSULT_CANCEL,
                Action.CONFERENCE,
            }
        )
    ),
)
def test_call_commands_keep_their_call(call_id: str, action: str) -> None:
    assert parse_command({"action": action, "call_id": call_id}) == CallCommand(Action(action), call_id)
    with pytest.raises(CommandError, match=f"{action} needs 'call_id'"):
        parse_command({"action": action})


@given(call_ids, targets, st.sampled_from(["transfer", "consult"]))
def test_transfers_keep_call_and_target(call_id: str, target: str, action: str) -> None:
    command = parse_command(json.loads(json.dumps({"action": action, "call_id": call_id, "target": target})))
    assert command == TransferCommand(Action(action), call_id, target, None)


@given(
    st.tuples(st.text(max_size=8), st.sampled_from(["\n", "\r", "\r\n", ": "]), st.text(max_size=8)).map(
        "".join
    )
)
def test_header_injection_is_refused(evil: str) -> None:
    with pytest.raises(CommandError):
        parse_command({"action": "transfer", "call_id": "1.2", "target": "2001\r\nAction: Originate" + evil})
    with pytest.raises(CommandError):
        parse_command({"action": "dtmf", "call_id": "1.2", "digits": "1" + evil + "2"})


@given(st.from_regex(r"\A\+?[0-9]{5,15}\Z"))
def test_a_number_survives_the_ways_people_write_it(number: str) -> None:
    spaced = " ".join(number[i : i + 3] for i in range(0, len(number), 3))
    for form in (number, f"tel:{number}", spaced, f"({number[:3]}) {number[3:]}"):
        assert parse_command({"action": "dial", "target": form}) == DialCommand(number)


@pytest.mark.parametrize("bad", ["", "abc", "tel:", "1", "+86 138 0013 80a0", "1" * 40])
def test_what_cannot_be_dialled_is_refused(bad: str) -> None:
    with pytest.raises(CommandError):
        dialable_number(bad)


REASONS = ("break", "lunch", "acw")


@given(st.text(max_size=30))
def test_pause_reason_must_be_configured(reason: str) -> None:
    wire = {"action": "pause", "reason": reason}
    if reason.strip() in REASONS:
        assert parse_command(wire, REASONS) == PauseCommand(Action.PAUSE, reason.strip())
    else:
        with pytest.raises(CommandError) as info:
            parse_command(wire, REASONS)
        message = str(info.value)
        assert "needs a reason" in message or "not a reason code" in message or "unknown reason" in message


def test_pause_messages_say_what_to_do() -> None:
    with pytest.raises(CommandError, match="a pause needs a reason"):
        parse_command({"action": "pause"})
    with pytest.raises(CommandError, match="a pause needs a reason"):
        check_reason("   ", REASONS)
    with pytest.raises(CommandError, match="unknown reason 'nap'; use one of: acw, break, lunch"):
        parse_command({"action": "pause", "reason": "nap"}, REASONS)
    assert parse_command({"action": "pause", "reason": "nap"}) == PauseCommand(Action.PAUSE, "nap")
    assert parse_command({"action": "unpause", "queue": "sales"}) == PauseCommand(Action.UNPAUSE, "", "sales")
    assert not PauseCommand(Action.FORCE_READY, agent="1002").paused


def test_supervisor_commands_are_marked_and_name_their_agent() -> None:
    spy = parse_command({"action": "whisper", "target": "王芳"})
    assert spy == SpyCommand(Action.WHISPER, "王芳", None)
    force = parse_command({"action": "force.pause", "target": "Li Lei", "reason": "meeting"})
    assert force == PauseCommand(Action.FORCE_PAUSE, "meeting", None, "Li Lei")
    assert needs_supervisor(spy) and needs_supervisor(force)
    assert not needs_supervisor(parse_command({"action": "dtmf", "call_id": "1.2", "digits": "5"}))
    assert {a.value for a in SUPERVISOR_ACTIONS} == {
        "listen",
        "whisper",
        "barge",
        "force.pause",
        "force.ready",
    }
    assert parse_command({"action": "dtmf", "call_id": "1.2", "digits": "12*#"}) == DtmfCommand("1.2", "12*#")


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ({"action": "fly"}, "unknown action 'fly'"),
        ({"action": 7}, "unknown action 7"),
        ({"action": "hangup", "call_id": 42}, "'call_id' must be a string, not int"),
        ({"action": "transfer", "call_id": "1.2"}, "transfer needs 'target'"),
        ({"action": "dial"}, "dial needs 'target'"),
        ({"action": "dtmf", "call_id": "1.2", "digits": "9x"}, "'digits' is not DTMF digits"),
        ({"action": "listen"}, "listen needs 'target'"),
        ({"action": "hangup", "call_id": "x" * 300}, "longer than 256"),
    ],
)
def test_bad_commands_say_which_field_is_wrong(wire: dict[str, Any], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("*", r"\*")):
        parse_command(wire)


def test_outcomes_give_the_bridge_ok_and_a_message() -> None:
    assert CommandOutcome.accepted("ready").as_result() == (True, "ready")
    refused = CommandOutcome.refused("pause", "Interface not found")
    assert refused.status is OutcomeStatus.REFUSED
    assert refused.as_result() == (False, "the PBX refused pause: Interface not found")
    assert CommandOutcome.refused("pause", " ").message.endswith("no reason given")
