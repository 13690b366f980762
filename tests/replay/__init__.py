"""The replay set: committed histories of representative cases, and how they were recorded."""

import pytest
from temporalio.converter import DataConverter

from infra.settings import DEV_PAYLOAD_KEY_ID, DEV_PAYLOAD_KEYS, Settings
from infra.temporal import data_converter


def recording_converter() -> DataConverter:
    """The production converter with the development key, the one the `encrypted_` histories were sealed with,
    whatever FOAD_PAYLOAD_KEYS says in the shell that records or replays them."""
    settings = Settings(environment="test", payload_keys=DEV_PAYLOAD_KEYS, payload_key_id=DEV_PAYLOAD_KEY_ID)
    return data_converter(settings)


def record_registration_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workflow change that breaks replay: the case records its registration twice, so it schedules one more
    activity than any recorded history. Only an unsandboxed replayer sees it (the sandbox re-imports the module).
    """
    from workflows.complaint import ComplaintWorkflow

    original = ComplaintWorkflow._record

    async def record_twice(self, kind, actor, **kwargs):
        await original(self, kind, actor, **kwargs)
        if kind.value == "registered":
            await original(self, kind, actor, **kwargs)

    monkeypatch.setattr(ComplaintWorkflow, "_record", record_twice)
