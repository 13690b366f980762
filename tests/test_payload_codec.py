"""The payload codec on its own: sealing, opening, key rotation, and the settings that feed it."""

import base64

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.exceptions import ApplicationError

from api.services.history import read_history
from infra.codec import ENCODING, KEY_ID, EncryptionCodec, PayloadKeyError, new_key, parse_key_ring
from infra.settings import DEV_PAYLOAD_KEYS, DEV_SECRET, Settings
from infra.temporal import data_converter
from schemas.case import Citizen

NATIONAL_CODE = "0499370899"
KEY_A, KEY_B = new_key(), new_key()
RING = {"a": base64.b64decode(KEY_A), "b": base64.b64decode(KEY_B)}


def citizen() -> Citizen:
    return Citizen(national_code=NATIONAL_CODE, mobile="09121234567", full_name="مریم احمدی")


def converter(active: str, ring: dict[str, bytes] = RING):
    keys = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in ring.items())
    return data_converter(Settings(environment="test", payload_keys=keys, payload_key_id=active))


async def test_sealed_payload_names_its_key_and_hides_the_plaintext():
    [payload] = await converter("a").encode([citizen()])
    assert payload.metadata["encoding"] == ENCODING and payload.metadata[KEY_ID] == b"a"
    assert NATIONAL_CODE.encode() not in payload.SerializeToString()
    assert "مریم".encode() not in payload.data
    [back] = await converter("a").decode([payload], [Citizen])
    assert back == citizen()


async def test_the_same_value_seals_differently_each_time():
    codec = EncryptionCodec(RING, "a")
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"0499370899"')
    assert codec.seal(plain).data != codec.seal(plain).data


async def test_rotation_keeps_old_payloads_readable_and_seals_new_ones_with_the_new_key():
    [old] = await converter("a").encode([citizen()])
    rotated = converter("b")
    [new] = await rotated.encode([citizen()])
    assert (old.metadata[KEY_ID], new.metadata[KEY_ID]) == (b"a", b"b")
    assert await rotated.decode([old, new], [Citizen, Citizen]) == [citizen(), citizen()]


async def test_a_key_dropped_from_the_ring_is_a_clear_error():
    [old] = await converter("a").encode([citizen()])
    only_b = EncryptionCodec({"b": RING["b"]}, "b")
    with pytest.raises(PayloadKeyError, match="key id 'a', which is not in the key ring"):
        await only_b.decode([old])


async def test_an_altered_payload_or_a_swapped_key_fails_authentication():
    codec = EncryptionCodec(RING, "a")
    sealed = codec.seal(Payload(metadata={"encoding": b"json/plain"}, data=b'"x"'))
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(PayloadKeyError, match="failed authentication"):
        codec.open(tampered)
    relabelled = Payload(metadata={"encoding": ENCODING, KEY_ID: b"b"}, data=sealed.data)
    with pytest.raises(PayloadKeyError, match="failed authentication"):
        codec.open(relabelled)


async def test_plaintext_payloads_from_before_encryption_pass_through():
    plain = data_converter(Settings(environment="test")).payload_converter.to_payloads([citizen()])
    assert plain[0].metadata["encoding"] == b"json/plain"
    assert await EncryptionCodec(RING, "a").decode(plain) == plain
    assert await converter("a").decode(plain, [Citizen]) == [citizen()]


def test_sealing_a_sealed_payload_leaves_it_as_it_is():
    codec = EncryptionCodec(RING, "a")
    sealed = codec.seal(Payload(metadata={"encoding": b"json/plain"}, data=b"1"))
    assert codec.seal(sealed) is sealed


@pytest.mark.parametrize(
    ("keys", "active", "reason"),
    [
        ("a:" + KEY_A, "b", "not one of FOAD_PAYLOAD_KEYS"),
        ("a:not base64!", "a", "not valid base64"),
        ("a:" + base64.b64encode(b"short").decode(), "a", "16, 24 or 32 bytes"),
        ("a:" + KEY_A + ",a:" + KEY_B, "a", "appears twice"),
        (KEY_A, "a", "key_id:base64key"),
        ("", "a", "at least one payload key"),
    ],
    ids=["unknown-active-key", "not-base64", "short-key", "duplicate-id", "no-key-id", "empty"],
)
def test_bad_payload_key_settings_are_refused_at_start(keys, active, reason):
    with pytest.raises(ValidationError, match=reason):
        Settings(environment="test", payload_keys=keys, payload_key_id=active)


def test_the_development_key_is_refused_in_production():
    real_secret = "x" * 40
    with pytest.raises(ValidationError, match="development payload key"):
        Settings(environment="production", secret_key=real_secret)
    with pytest.raises(ValidationError, match="development payload key"):
        Settings(environment="production", secret_key=real_secret, payload_keys=f"{DEV_PAYLOAD_KEYS},a:{KEY_A}")
    settings = Settings(environment="production", secret_key=real_secret, payload_keys=f"a:{KEY_A}", payload_key_id="a")
    assert settings.payload_key_ring() == {"a": RING["a"]}
    assert settings.secret_key != DEV_SECRET


def test_a_key_ring_is_read_in_order_with_spaces_allowed():
    assert list(parse_key_ring(f" a:{KEY_A} , b:{KEY_B} ,")) == ["a", "b"]


async def test_failure_messages_are_sealed_and_the_auditors_history_opens_them():
    """An exception's text can quote what it choked on; Temporal stores only "Encoded failure"."""
    sealing = converter("a")
    failure = Failure()
    await sealing.encode_failure(ApplicationError(f"national code {NATIONAL_CODE} refused", type="Refused"), failure)
    assert failure.message == "Encoded failure"
    assert NATIONAL_CODE.encode() not in failure.SerializeToString()

    started = HistoryEvent(event_id=1, event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
    started.workflow_execution_started_event_attributes.workflow_type.name = "ComplaintWorkflow"
    event = HistoryEvent(event_id=7, event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)
    event.workflow_execution_update_completed_event_attributes.outcome.failure.CopyFrom(failure)
    recorded = WorkflowHistory("complaint-1", [started, event])
    [_, entry] = (await read_history(recorded, tracking_code="1", converter=sealing)).events
    assert entry.kind == "update_failed"
    assert entry.summary["reason"] == f"national code {NATIONAL_CODE} refused"
