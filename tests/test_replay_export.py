"""`python -m cli.replay_export` on a real dev server: real histories join the replay set, personal data out.

A few cases run to completion on the Temporal dev server with an in-process worker, every payload sealed with a
"production" key ring the replay test never holds. The command, run as a subprocess with those production
settings, must write files that hold no original personal value (neither in the raw JSON nor in any payload
once opened), are sealed under the replay key only, keep one synthetic value per original, and replay against
today's code; and the replay gate must fail on one of them once the workflow's commands change.
"""

import asyncio
import base64
import functools
import json
import os
import re
import string
import subprocess
import sys
import typing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from activities.case import CaseActivities
from activities.hotspot import HotspotActivities
from activities.office_calendar import OfficeCalendarActivities
from cli import replay_export
from cli.history_scrub import NOT_PERSONAL, PERSONAL_FIELDS, SMS_FREE_TEXT_PARAMS, SMS_OTHER_PARAMS
from database.sessions import create_engine, sessionmaker
from infra.binaries import temporal_cli
from infra.codec import ENCODING, KEY_ID, EncryptionCodec, PayloadKeyError, new_key, parse_key_ring
from infra.settings import Settings
from infra.temporal import connect
from schemas.actions import (
    ApproveInput,
    CitizenReplyInput,
    CompleteTaskInput,
    EscalateInput,
    FeedbackInput,
    InformationRequestInput,
    ReviewInput,
    SendBackInput,
)
from schemas.case import Actor, Citizen
from schemas.enums import HandlingOutcome, ReviewDecision, Role
from schemas.hotspot import HotspotDecision, HotspotDecisionInput, HotspotFinding, HotspotOpen, HotspotScope
from schemas.text import is_valid_national_code
from sms.sender import TEMPLATES
from tests import ROOT
from tests.casedriver import running_cases
from tests.dbutil import migrate
from tests.e2e.processes import running_dev_server
from tests.factories import CHAIN, case_start
from tests.replay import record_registration_twice, recording_converter
from tests.test_replay import HISTORIES
from workflows.complaint import ComplaintWorkflow
from workflows.hotspot import HotspotReviewWorkflow, HotspotScanWorkflow, MonthlyReportWorkflow
from workflows.visibility import workflow_id

try:
    temporal_cli()
except FileNotFoundError as missing:
    pytest.skip(str(missing), allow_module_level=True)

PRODUCTION_KEYS = f"prod2025:{new_key()},prod2026:{new_key()}"
PRODUCTION = {"FOAD_PAYLOAD_KEYS": PRODUCTION_KEYS, "FOAD_PAYLOAD_KEY_ID": "prod2026", "FOAD_ENVIRONMENT": "test"}

CITIZEN = Citizen(national_code="4275319869", mobile="09357654321", full_name="شیرین فرهادی")
SENIOR = Actor(username="m.karimi", role=Role.SENIOR_COORDINATOR, user_id=7, full_name="مهدی کریمی")
COORDINATOR = Actor(username="a.rostami", role=Role.UNIT_COORDINATOR, user_id=8, full_name="آرش رستمی")
ADMIN = Actor(username="r.tehrani", role=Role.ADMIN, user_id=9, full_name="رویا تهرانی")
TEXTS = {
    "description": "آقای کامران بهزادی پشت باجه ۴ گفت فردا بیایید و پرونده‌ام را نگرفت",
    "employee_name": "کامران بهزادی",
    "question": "لطفاً شماره نوبت و ساعت دقیق مراجعه را بفرستید",
    "answer": "نوبت ۱۷۳ ساعت ده و ربع، شماره پرونده ۸۸۲۱",
    "order": "با رئیس شعبه تماس بگیرید و پرونده را همان روز بپذیرید",
    "escalation": "شعبه شهرستان جواب تلفن را نمی‌دهد",
    "done": "پرونده پذیرفته شد و به متقاضی رسید داده شد",
    "sent_back": "رسید را پیوست کنید",
    "result": "پرونده شما پذیرفته شد و رسید صادر گردید",
    "comment": "ممنون از پیگیری سریع شما",
    "referral": "موضوع محتوایی است؛ به دیوان عدالت اداری مراجعه کنید",
    "decision": "نوبت‌دهی باجه پذیرش پرونده بازطراحی شود",
}


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory) -> Iterator[str]:
    with running_dev_server(tmp_path_factory.mktemp("export") / "temporal") as address:
        yield address


@pytest.fixture(scope="module")
async def finished(dev_server: str, tmp_path_factory) -> tuple[str, list[str]]:
    """The cases below, run to their end once for the module: the long case's tracking code, every workflow id."""
    return await run_cases(dev_server, tmp_path_factory.mktemp("export-db"))


def production_settings(address: str) -> Settings:
    return Settings(
        temporal_address=address, payload_keys=PRODUCTION_KEYS, payload_key_id="prod2026", environment="test"
    )


async def run_cases(address: str, folder: Path) -> tuple[str, list[str]]:
    """One case down a long road (a question to the citizen, a manual escalation, a send-back, feedback), two
    rejected ones (one shape), one hotspot review; all sealed with the production keys. Returns the long
    case's tracking code and every case's workflow id."""
    client = await connect(production_settings(address))
    url = f"sqlite+aiosqlite:///{folder / 'foad.db'}"
    migrate(url)
    engine = create_engine(url)

    class Clock:  # what tests.casedriver asks of an environment, on a server with a real clock
        def __init__(self) -> None:
            self.client = client

        async def get_current_time(self) -> datetime:
            return datetime.now(UTC)

    ids: list[str] = []
    async with running_cases(Clock(), sessionmaker(engine), "export-test") as cases:

        async def start():
            begun = case_start(registered_at=datetime.now(UTC)).model_copy(
                update={
                    "citizen": CITIZEN,
                    "description": TEXTS["description"],
                    "employee_name": TEXTS["employee_name"],
                    "filed_by": Actor(username="citizen", role=Role.CITIZEN),
                }
            )
            handle = await client.start_workflow(
                ComplaintWorkflow.run,
                begun,
                id=workflow_id(begun.tracking_code),
                task_queue="export-test",
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
            cases.handles.append(handle)
            ids.append(handle.id)
            return handle, begun.tracking_code

        long, code = await start()
        await cases.settled(long, 1)
        await long.execute_update(
            ComplaintWorkflow.request_information, InformationRequestInput(actor=SENIOR, reason=TEXTS["question"])
        )
        await cases.settled(long, 2)
        await long.execute_update(
            ComplaintWorkflow.reply_to_question,
            CitizenReplyInput(answer=TEXTS["answer"]),
            id=f"reply_to_question/{code}-Q1/citizen",
        )
        await cases.settled(long, 3)
        state = await long.execute_update(
            ComplaintWorkflow.review,
            ReviewInput(
                actor=SENIOR,
                decision=ReviewDecision.ACCEPT,
                action_order=TEXTS["order"],
                chain=CHAIN,
                inspector="n.bazras",
            ),
        )
        await long.execute_update(
            ComplaintWorkflow.escalate_task,
            EscalateInput(actor=SENIOR, reason=TEXTS["escalation"], from_task_id=state.current_task_id),
            id=f"escalate/{state.current_task_id}/{SENIOR.username}",
        )
        state = await cases.settled(long, 5)
        done = CompleteTaskInput(
            actor=COORDINATOR,
            task_id=state.current_task_id,
            outcome=HandlingOutcome.RESOLVED_BY_PHONE,
            note=TEXTS["done"],
        )
        await long.execute_update(ComplaintWorkflow.complete_task, done)
        await long.execute_update(ComplaintWorkflow.send_back, SendBackInput(actor=SENIOR, reason=TEXTS["sent_back"]))
        state = await cases.settled(long, 7)
        await long.execute_update(
            ComplaintWorkflow.complete_task, done.model_copy(update={"task_id": state.current_task_id})
        )
        # the API names its updates action/anchor/username (api/services/action_ids.py): the username is scrubbed
        # there too
        await long.execute_update(
            ComplaintWorkflow.approve,
            ApproveInput(actor=SENIOR, result_note=TEXTS["result"]),
            id=f"approve/{code}-T5/{SENIOR.username}",
        )
        await long.execute_update(
            ComplaintWorkflow.give_feedback,
            FeedbackInput(satisfied=True, rating=5, comment=TEXTS["comment"]),
            id=f"give_feedback/{code}-T5/citizen",
        )

        for _ in range(2):
            rejected, _ = await start()
            await rejected.execute_update(
                ComplaintWorkflow.review,
                ReviewInput(actor=SENIOR, decision=ReviewDecision.REJECT, referral_note=TEXTS["referral"]),
            )

        end = datetime.now(UTC)
        finding = HotspotFinding(
            scope=HotspotScope.UNIT,
            subject_id=CHAIN[0].id,
            agency_id="tst",
            window_start=end - timedelta(days=30),
            window_end=end,
            complaints=14,
            baseline=3.5,
        )
        review = await client.start_workflow(
            HotspotReviewWorkflow.run,
            HotspotOpen(review_id=finding.review_id, finding=finding, review_period=timedelta(days=14)),
            id=finding.review_id,
            task_queue="export-test",
        )
        ids.append(review.id)
        for _ in range(100):  # the decision is refused until the review's first workflow task has run
            if await review.query(HotspotReviewWorkflow.state) is not None:
                break
            await asyncio.sleep(0.05)
        await review.execute_update(
            HotspotReviewWorkflow.decide,
            HotspotDecisionInput(actor=ADMIN, decision=HotspotDecision.PROCESS_REFORM, note=TEXTS["decision"]),
        )
        for handle in [*cases.handles, review]:
            await handle.result()
    await engine.dispose()

    async def listed() -> int:
        query = "ExecutionStatus = 'Completed' AND TaskQueue = 'export-test'"
        return (await client.count_workflows(query)).count

    for _ in range(100):  # the visibility store follows the completions closely, not at once
        if await listed() == len(ids):
            break
        await asyncio.sleep(0.1)
    return code, ids


def originals(code: str) -> list[str]:
    values = [CITIZEN.national_code, CITIZEN.mobile, CITIZEN.full_name, code, *TEXTS.values()]
    values += [a.username for a in (SENIOR, COORDINATOR, ADMIN)] + [a.full_name for a in (SENIOR, COORDINATOR, ADMIN)]
    return values + ["n.bazras", CITIZEN.mobile[1:]]


def payloads(document: Any, skip: tuple[str, ...] = ("searchAttributes", "header", "patch-data")) -> Iterator[dict]:
    """Every payload in a history's JSON, except search attributes, headers and the markers of workflow.patched
    (Temporal's core writes those itself, as plain JSON holding only the patch's name): never sealed."""
    if isinstance(document, dict):
        if "metadata" in document and "encoding" in document["metadata"]:
            yield document
            return
        for key, value in document.items():
            if key not in skip:
                yield from payloads(value, skip)
    elif isinstance(document, list):
        for item in document:
            yield from payloads(item, skip)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def opened(payload: dict, codec: EncryptionCodec) -> Any:
    sealed = Payload(
        metadata={k: base64.b64decode(v) for k, v in payload["metadata"].items()},
        data=base64.b64decode(payload.get("data", "")),
    )
    plain = codec.open(sealed)
    return json.loads(plain.data) if plain.metadata.get("encoding") == b"json/plain" else None


async def test_exported_histories_hold_no_personal_data_and_replay(
    dev_server: str, finished: tuple[str, list[str]], tmp_path: Path, monkeypatch
) -> None:
    code, _ = finished
    out = tmp_path / "histories"
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("FOAD_")}
        | PRODUCTION
        | {"FOAD_TEMPORAL_ADDRESS": dev_server}
    )
    command = [sys.executable, "-m", "cli.replay_export", "--since", "1h", "--limit", "20", "--out", str(out)]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = (await asyncio.wait_for(process.communicate(), 120))[0].decode()
    print(output)
    assert process.returncode == 0, output
    assert "4 completed workflow(s)" in output and "3 new shape(s)" in output and output.count("same shape") == 1
    files = sorted(out.glob("*.json"))
    assert [re.sub(r"_[0-9a-f]{12}\.json$", "", f.name) for f in files] == [
        "exported_complaint",
        "exported_complaint",
        "exported_hotspot_review",
    ]

    replay_key = replay_export.replay_codec()
    production_only = EncryptionCodec(parse_key_ring(PRODUCTION_KEYS), "prod2026")
    secret = originals(code)
    for path in files:
        raw = path.read_text()
        for value in secret:  # the raw file, as a grep would read it (JSON may escape non-ASCII)
            assert value not in raw and json.dumps(value)[1:-1] not in raw, f"{value!r} in {path.name}"
        document = json.loads(raw)
        sealed = list(payloads(document))
        assert sealed and all(p["metadata"]["encoding"] == base64.b64encode(ENCODING).decode() for p in sealed)
        assert {base64.b64decode(p["metadata"][KEY_ID]) for p in sealed} == {b"dev"}
        with pytest.raises(PayloadKeyError):
            opened(sealed[0], production_only)
        texts = [s for p in sealed if (d := opened(p, replay_key)) is not None for s in strings(d)]
        for value in secret:
            assert not [t for t in texts if value in t], f"{value!r} inside a payload of {path.name}"

        history = WorkflowHistory.from_json(path.stem, raw)
        replayer = Replayer(workflows=[ComplaintWorkflow, HotspotReviewWorkflow], data_converter=recording_converter())
        assert (await replayer.replay_workflow(history, raise_on_replay_failure=False)).replay_failure is None

    # one stand-in per original within a history: the long case's national code and mobile appear in its
    # start input and in every SMS request; the stand-ins have the originals' form
    long = next(f for f in files if "information_requested" in _decoded_text(f, replay_key))
    one = {"national_code": set(), "mobile": set(), "tracking_code": set()}
    for p in payloads(json.loads(long.read_text())):
        _gather(opened(p, replay_key), one)
    assert len(one["national_code"]) == 1 and is_valid_national_code(next(iter(one["national_code"])))
    assert len(one["mobile"]) == 1 and re.fullmatch(r"0935\d{7}", next(iter(one["mobile"])))
    assert len(one["tracking_code"]) == 1 and next(iter(one["tracking_code"])) != code
    task_ids = re.findall(r'"task_id":"([^"]+)"', _decoded_text(long, replay_key))
    assert task_ids and {t.rsplit("-T", 1)[0] for t in task_ids} == one["tracking_code"]

    # the gate catches a change of the workflow's commands on an exported history
    record_registration_twice(monkeypatch)
    replayer = Replayer(
        workflows=[ComplaintWorkflow], data_converter=recording_converter(), workflow_runner=UnsandboxedWorkflowRunner()
    )
    result = await replayer.replay_workflow(
        WorkflowHistory.from_json("guard", long.read_text()), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None


async def test_a_history_todays_code_cannot_replay_is_reported_not_written(
    dev_server: str, finished: tuple[str, list[str]], tmp_path: Path, monkeypatch, capsys
) -> None:
    """Workflow code that schedules other commands than production's histories: the export refuses them and
    says why (the unscrubbed history fails too). Unsandboxed, so that the replayer sees the changed method."""
    record_registration_twice(monkeypatch)
    unsandboxed = functools.partial(Replayer, workflow_runner=UnsandboxedWorkflowRunner())
    monkeypatch.setattr(replay_export, "Replayer", unsandboxed)
    settings = production_settings(dev_server)
    client = await connect(settings)
    since = datetime.now(UTC) - timedelta(hours=1)
    status = await replay_export.export(client, settings, since=since, limit=20, query=None, out=tmp_path)
    assert status == 1
    errors = capsys.readouterr().err
    assert errors.count("NOT REPLAYED") == 3 and "today's code cannot replay the real history" in errors
    assert [p.name.rsplit("_", 1)[0] for p in tmp_path.glob("*.json")] == ["exported_hotspot_review"]


def test_the_export_writes_where_the_replay_gate_reads() -> None:
    assert replay_export.REPLAY_SET == HISTORIES[0].parent
    assert Path(f"{replay_export.REPLAY_SET}/exported_complaint_0123456789ab.json").match("*.json")


def test_every_text_field_that_crosses_temporal_is_classified() -> None:
    """A new text field in schemas/ that reaches a history must be declared personal or not in cli.history_scrub."""
    roots: list[Any] = []
    for cls in (ComplaintWorkflow, HotspotReviewWorkflow, HotspotScanWorkflow, MonthlyReportWorkflow):
        definition = workflow._Definition.must_from_class(cls)
        handlers = (
            [definition.run_fn]
            + [d.fn for group in (definition.signals, definition.updates) for d in group.values()]
            + [d.fn for d in definition.queries.values()]
        )
        roots += [hint for fn in handlers for hint in typing.get_type_hints(fn).values()]
    for activities in (CaseActivities, OfficeCalendarActivities, HotspotActivities):
        for member in vars(activities).values():
            if hasattr(member, "__temporal_activity_definition"):
                roots += typing.get_type_hints(member).values()
    fields = _text_fields(roots)
    assert {"national_code", "mobile", "description", "note", "answer"} <= fields  # the walk reached them
    unclassified = fields - PERSONAL_FIELDS.keys() - NOT_PERSONAL
    assert not unclassified, f"declare these in cli/history_scrub.py: {sorted(unclassified)}"
    placeholders = {name for text in TEMPLATES.values() for _, name, _, _ in string.Formatter().parse(text) if name}
    assert not placeholders - SMS_FREE_TEXT_PARAMS - SMS_OTHER_PARAMS, "an SMS parameter to classify"


def _text_fields(roots: list[Any]) -> set[str]:
    found: set[str] = set()
    seen: set[type] = set()

    def has_text(hint: Any) -> bool:
        if hint is str or hint is Any:
            return True
        if isinstance(hint, type):
            return False
        return any(has_text(arg) for arg in typing.get_args(hint))

    def visit(hint: Any) -> None:
        for arg in typing.get_args(hint):
            visit(arg)
        if isinstance(hint, type) and issubclass(hint, BaseModel) and hint not in seen:
            seen.add(hint)
            for name, info in hint.model_fields.items():
                if has_text(info.annotation) and not (
                    isinstance(info.annotation, type) and issubclass(info.annotation, Enum)
                ):
                    found.add(name)
                visit(info.annotation)

    for root in roots:
        visit(root)
    return found


def _gather(document: Any, into: dict[str, set[str]]) -> None:
    if isinstance(document, dict):
        for key, value in document.items():
            if key in into and isinstance(value, str):
                into[key].add(value)
            else:
                _gather(value, into)
    elif isinstance(document, list):
        for item in document:
            _gather(item, into)


def _decoded_text(path: Path, codec: EncryptionCodec) -> str:
    return "\n".join(
        json.dumps(d, ensure_ascii=False, separators=(",", ":"))
        for p in payloads(json.loads(path.read_text()))
        if (d := opened(p, codec)) is not None
    )
