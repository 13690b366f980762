"""Committed histories of representative cases (and a hotspot review) must replay against today's workflow code.

A change that would break a case already running fails here: guard it with workflow.patched().
They replay with the production data converter (the payload codec included): the older histories were
recorded in plaintext and pass through the codec, the `encrypted_` ones were sealed with the development key.
"""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from tests.replay import record_registration_twice, recording_converter
from workflows.complaint import ComplaintWorkflow
from workflows.hotspot import HotspotReviewWorkflow

HISTORIES = sorted((Path(__file__).parent / "replay" / "histories").glob("*.json"))
DATA_CONVERTER = recording_converter()


def test_replay_set_covers_the_representative_cases():
    assert len(HISTORIES) >= 6
    assert any(p.stem.startswith("encrypted_") for p in HISTORIES)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_case_replays_against_current_code(path: Path):
    text = path.read_text()
    events = json.loads(text)["events"]
    assert events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED", "the replay set holds finished cases"
    history = WorkflowHistory.from_json(f"replay-{path.stem}", text)
    replayer = Replayer(workflows=[ComplaintWorkflow, HotspotReviewWorkflow], data_converter=DATA_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"


async def test_a_changed_workflow_fails_the_replay(monkeypatch):
    """The gate is real: code that schedules different commands than the history recorded is caught.

    Unsandboxed, because the sandbox re-imports the workflow module and would not see the patch.
    """
    path = next(p for p in HISTORIES if p.stem == "handled_within_sla")
    history = WorkflowHistory.from_json("replay-guard", path.read_text())

    record_registration_twice(monkeypatch)
    replayer = Replayer(
        workflows=[ComplaintWorkflow], data_converter=DATA_CONVERTER, workflow_runner=UnsandboxedWorkflowRunner()
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
