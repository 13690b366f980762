"""Personal data out of a real case's Temporal history, so that the history can join the committed replay set.

A production history is sealed with production payload keys, which CI must never hold; and whatever key seals
a committed file is as public as the repository that holds its key. So the protection cannot be a key: it is
that the file no longer holds personal data. `scrub_history` opens every sealed payload with the production key
ring, replaces each personal value with a synthetic one of the same form (a national code with a valid check
digit, a mobile number with the same operator prefix, a Persian name, Persian filler of the same length for
free text, `staff-N` for a staff username, a fresh tracking code), then seals the payload again with the replay
key (`DEV_PAYLOAD_KEYS`, the key the replay test opens histories with). Sealing keeps the file in production's
shape (the same codec path runs on replay, no text in a grep) but is not what protects it.

Which fields are personal is read off schemas/: `PERSONAL_FIELDS` names every one that crosses Temporal, by
field name, wherever it sits in a payload; `NOT_PERSONAL` names the other text fields, and a test fails when a
schema gains a text field that is in neither. A stand-in is drawn at random (never derived from the original,
so it cannot be reversed) and reused for every occurrence of the same original within the history: a
history stays self-consistent (the task ids built from the tracking code still match the ones the updates
name), so it still replays. Longer originals are also replaced inside any other text (a failure message, a
workflow id), wherever they appear. The mapping lives only in memory.

Search attributes and headers stay as they are: the codec never seals them, and search attributes must never
hold personal data in the first place (README: payload encryption).
"""

import json
import random
import re

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory

from archive.store import messages_in, payloads_of
from infra.codec import ENCODING, EncryptionCodec
from schemas.text import is_valid_national_code
from timekeeping.persian import persian_digits

NATIONAL_CODE, MOBILE, NAME, TRACKING_CODE, USERNAME, FREE_TEXT = (
    "national_code",
    "mobile",
    "name",
    "tracking_code",
    "username",
    "free_text",
)

# Every field of a schema that crosses Temporal and holds personal data (or text a person wrote, which may).
PERSONAL_FIELDS: dict[str, str] = {
    "national_code": NATIONAL_CODE,
    "mobile": MOBILE,
    "full_name": NAME,  # the citizen's, and a staff member's on their Actor
    "employee_name": NAME,  # the employee a citizen names in the complaint
    "tracking_code": TRACKING_CODE,  # not personal itself, but the key to the real case
    "username": USERNAME,
    "assignee": USERNAME,
    "inspector": USERNAME,
    "holder": USERNAME,  # the unit coordinator who claimed a task
    "to_username": USERNAME,  # whom the senior gave a task to
    "decided_by": USERNAME,
    "description": FREE_TEXT,
    "action_order": FREE_TEXT,
    "referral_note": FREE_TEXT,
    "note": FREE_TEXT,
    "outcome_note": FREE_TEXT,
    "result_note": FREE_TEXT,
    "reason": FREE_TEXT,
    "comment": FREE_TEXT,
    "answer": FREE_TEXT,
    "decision_note": FREE_TEXT,
    "findings": FREE_TEXT,  # an inspector's findings on site
}
# SmsRequest.params: the template parameters that carry a coordinator's text (sms/sender.py TEMPLATES).
SMS_FREE_TEXT_PARAMS = frozenset({"referral", "result", "what"})
SMS_OTHER_PARAMS = frozenset(
    {"tracking_code", "due_at", "due_time", "unit", "reply_due_at", "reply_until", "target", "contact", "contact_kind"}
    | {"agency", "link"}  # link: the tracking page's address (its tracking code is replaced like any other)
)
# The other text fields that cross Temporal: ids and codes of reference data, enum-like words our code writes,
# times, and `data` (an event's figures: outcome, cause, levels, due times).
NOT_PERSONAL = frozenset(
    {
        "agency_id",
        "agency_name_fa",
        "id",
        "name_fa",
        "province_code",
        "county_code",
        "unit_id",
        "subject_id",
        "task_id",
        "current_task_id",
        "from_task_id",
        "review_id",
        "opened",
        "key",
        "template",
        "params",
        "purpose",
        "calendar",
        "kind",
        "ended_by",
        "data",
        # a referral registry entry (public reference data) and the Open311 app that filed
        "phone",
        "address_fa",
        "handles_fa",
        "referral_target_id",
        "owner_agency_id",  # the agency a reform follow-up belongs to (reference data)
        "client_app",
    }
)
# Users every history shares, which identify no one.
FIXED_USERNAMES = frozenset({"system", "citizen"})
# Originals at least this long are also replaced inside other text; shorter ones only as a whole field, lest
# a three-letter note rewrite an enum value that happens to contain it.
MIN_EMBEDDED = 6

_FIRST_NAMES = ("سارا", "علی", "زهرا", "رضا", "نرگس", "حسین", "مینا", "امید", "لیلا", "کاوه", "پریسا", "بهرام")
_LAST_NAMES = ("محمدی", "کریمی", "رضایی", "موسوی", "حسینی", "جعفری", "صادقی", "نوری", "کاظمی", "رحیمی")
_FILLER = " متن نمونه برای آزمون بازپخش"
_SKIPPED_MESSAGES = frozenset({"temporal.api.common.v1.SearchAttributes", "temporal.api.common.v1.Header"})


class Pseudonyms:
    """One history's stand-ins: the same original always gets the same synthetic value."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.SystemRandom()
        self._by_kind: dict[str, dict[str, str]] = {}
        self._stand_ins: dict[str, str] = {}  # original -> stand-in, for `within` (usernames left out)
        self._embedded: re.Pattern | None = None

    def of(self, kind: str, original: str) -> str:
        if kind == USERNAME and original in FIXED_USERNAMES:
            return original
        known = self._by_kind.setdefault(kind, {})
        if original not in known:
            taken = set(known.values())
            attempt = 0
            while (made := self._make(kind, original, len(known) + 1 + attempt, attempt)) in taken or made == original:
                attempt += 1
            known[original] = made
            self._embedded = None
        return known[original]

    def within(self, text: str) -> str:
        """`text` with every known original of MIN_EMBEDDED characters or more replaced by its stand-in."""
        if self._embedded is None:
            originals = {o: s for kind, known in self._by_kind.items() if kind != USERNAME for o, s in known.items()}
            longest_first = sorted((o for o in originals if len(o) >= MIN_EMBEDDED), key=len, reverse=True)
            self._stand_ins = originals
            self._embedded = re.compile("|".join(map(re.escape, longest_first)) or "(?!)")
        return self._embedded.sub(lambda match: self._stand_ins[match.group()], text)

    def in_protocol(self, text: str) -> str:
        """`within`, and then each `/`-separated part that is a known username replaced by its stand-in: the
        update ids (api/services/action_ids.py: action/anchor/username[/key]) and the message ids Temporal derives from
        them."""
        usernames = self._by_kind.get(USERNAME, {})
        return "/".join(usernames.get(part, part) for part in self.within(text).split("/"))

    def originals(self) -> dict[str, list[str]]:
        """Kind -> the originals seen (for a test's own checks; never written anywhere)."""
        return {kind: list(known) for kind, known in self._by_kind.items()}

    def _make(self, kind: str, original: str, n: int, attempt: int) -> str:
        rng = self._rng
        if kind == NATIONAL_CODE:
            while not is_valid_national_code(code := _with_check_digit("".join(rng.choices("0123456789", k=9)))):
                pass
            return code
        if kind == MOBILE:
            prefix = original[:4] if re.fullmatch(r"09\d{9}", original) else "0912"
            return prefix + "".join(rng.choices("0123456789", k=7))
        if kind == NAME:
            name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
            return name if attempt < 20 else f"{name} {persian_digits(n)}"
        if kind == TRACKING_CODE:  # ten digits and a Luhn check digit, as api/services/tracking.py makes them
            body = str(rng.randrange(10**9, 10**10))
            return body + str(_luhn(body))
        if kind == USERNAME:
            return f"staff-{n}"
        text = f"متن جایگزین {persian_digits(n)}"
        while len(text) < len(original):
            text += _FILLER
        return text[: max(len(original), len(text.split(_FILLER)[0]))]


def scrub_history(
    history: WorkflowHistory, *, opener: EncryptionCodec, sealer: EncryptionCodec, names: Pseudonyms | None = None
) -> WorkflowHistory:
    """A copy of `history` with its personal data replaced and its sealed payloads sealed again by `sealer`.

    `opener` holds the production key ring. Payloads that were not sealed (histories older than the codec)
    stay unsealed, scrubbed all the same."""
    names = names or Pseudonyms()
    events = [type(event).FromString(event.SerializeToString()) for event in history.events]
    payloads = [payload for event in events for payload in _payloads(event)]
    opened = [(payload, opener.open(payload)) for payload in payloads]
    documents = [(payload, plain, _json(plain)) for payload, plain in opened]
    for _, _, document in documents:  # first every original, so that `within` knows them all
        if document is not None:
            _collect(document, names)
    for payload, plain, document in documents:
        if document is not None:
            plain = Payload(metadata=dict(plain.metadata), data=_dump(_rewrite(document, names)))
        sealed = payload.metadata.get("encoding") == ENCODING
        payload.CopyFrom(sealer.seal(plain) if sealed else plain)
    for event in events:
        _rewrite_strings(event, names)
    return WorkflowHistory(workflow_id=names.within(history.workflow_id), events=events)


# --- the JSON inside payloads ----------------------------------------------------------------------------------


def _collect(value: object, names: Pseudonyms) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "params" and isinstance(v, dict):
                for param, text in v.items():
                    if param in SMS_FREE_TEXT_PARAMS and isinstance(text, str):
                        names.of(FREE_TEXT, text)
            elif k in PERSONAL_FIELDS and isinstance(v, str):
                names.of(PERSONAL_FIELDS[k], v)
            else:
                _collect(v, names)
    elif isinstance(value, list):
        for item in value:
            _collect(item, names)


def _rewrite(value: object, names: Pseudonyms) -> object:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "params" and isinstance(v, dict):
                out[k] = {
                    param: names.of(FREE_TEXT, text)
                    if param in SMS_FREE_TEXT_PARAMS and isinstance(text, str)
                    else _rewrite(text, names)
                    for param, text in v.items()
                }
            elif k in PERSONAL_FIELDS and isinstance(v, str):
                out[k] = names.of(PERSONAL_FIELDS[k], v)
            else:
                out[k] = _rewrite(v, names)
        return out
    if isinstance(value, list):
        return [_rewrite(item, names) for item in value]
    if isinstance(value, str):
        return names.within(value)
    return value


def _json(payload: Payload) -> object | None:
    if payload.metadata.get("encoding") != b"json/plain":
        return None
    return json.loads(payload.data)


def _dump(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# --- the history's protobuf ------------------------------------------------------------------------------------


# The walk over a history's messages and payloads is the archive's (archive/store.py).
_messages, _payloads = messages_in, payloads_of


def _rewrite_strings(event: Message, names: Pseudonyms) -> None:
    """Originals inside the history's own text fields: a workflow id, a failure message left in the clear, the
    staff username inside an update id."""
    for message in _messages(event):
        for field, value in message.ListFields():
            if field.type != field.TYPE_STRING:
                continue
            if field.is_repeated:
                value[:] = [names.in_protocol(item) for item in value]
            else:
                setattr(message, field.name, names.in_protocol(value))


def _with_check_digit(nine: str) -> str:
    remainder = sum(int(nine[i]) * (10 - i) for i in range(9)) % 11
    return nine + str(remainder if remainder < 2 else 11 - remainder)


def _luhn(payload: str) -> int:
    total = 0
    for i, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10
