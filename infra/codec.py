"""Personal data never reaches Temporal in the clear: every payload is sealed with AES-GCM by this codec.

A case's input carries the citizen's national code, mobile and name and the complaint's free text, and the
updates carry coordinators' notes; Temporal stores them all in its history, which its UI, its operators and
its backups can read. The codec runs inside the SDK on the client, the worker and the replayer alike, so
workflow code never sees ciphertext and the server never sees plaintext.

Each sealed payload names the key that sealed it (`encryption-key-id` in its metadata). The key ring holds
every key still needed to open old payloads; only the active key seals new ones, so a key rotates by adding a
new key, making it active, and dropping the old one only once no history still needs it. A payload without
the `binary/encrypted` encoding passes through untouched: histories written before encryption still replay.
"""

import base64
import binascii
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
KEY_BYTES = (16, 24, 32)


class PayloadKeyError(ValueError):
    """A payload cannot be opened: its key is not in the ring, or it was altered or sealed with another key."""


class PayloadErased(PayloadKeyError):
    """A payload whose key was destroyed on purpose (the erasure of personal data): it will never open again."""


def parse_key_ring(text: str) -> dict[str, bytes]:
    """`kid:base64key,kid:base64key` -> {kid: key}; raises ValueError naming the bad entry (never the key)."""
    ring: dict[str, bytes] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id:
            raise ValueError("each payload key must be written as key_id:base64key")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"payload key {key_id!r} is not valid base64") from exc
        if len(key) not in KEY_BYTES:
            raise ValueError(f"payload key {key_id!r} must be 16, 24 or 32 bytes (AES-128/192/256), not {len(key)}")
        if key_id in ring:
            raise ValueError(f"payload key id {key_id!r} appears twice")
        ring[key_id] = key
    if not ring:
        raise ValueError("at least one payload key is needed")
    return ring


def new_key() -> str:
    """A fresh 256-bit key, base64, for an operator to add to FOAD_PAYLOAD_KEYS."""
    return base64.b64encode(os.urandom(32)).decode()


class EncryptionCodec(PayloadCodec):
    """`erased` names keys destroyed on purpose (key id -> why): their payloads fail with PayloadErased. A codec
    with no active key (`active_key_id=None`) only opens; the archive's readers are such codecs."""

    def __init__(
        self, keys: Mapping[str, bytes], active_key_id: str | None, *, erased: Mapping[str, str] | None = None
    ) -> None:
        if active_key_id is not None and active_key_id not in keys:
            raise ValueError(f"the active payload key {active_key_id!r} is not in the key ring")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._erased = dict(erased or {})
        self.active_key_id = active_key_id

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(payload) for payload in payloads]

    def seal(self, payload: Payload) -> Payload:
        """The whole payload (metadata and data), encrypted; the key id is also bound in as associated data."""
        if payload.metadata.get("encoding") == ENCODING:
            return payload  # already sealed (e.g. a payload the UI passed back through /codec/encode)
        key_id = self.active_key_id
        if key_id is None:
            raise ValueError("this payload codec only opens payloads; it has no key to seal with")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed)

    def open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None and key_id in self._erased:
            raise PayloadErased(f"payload erased: its key {key_id!r} was destroyed ({self._erased[key_id]})")
        if cipher is None:
            raise PayloadKeyError(
                f"payload sealed with key id {key_id!r}, which is not in the key ring {sorted(self._ciphers)}"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag as exc:
            raise PayloadKeyError(f"payload sealed with key id {key_id!r} failed authentication") from exc
        opened = Payload()
        opened.ParseFromString(plain)
        return opened
