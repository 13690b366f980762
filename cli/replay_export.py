"""Export recent real histories into the replay set, with their personal data replaced.

    python -m cli.replay_export [--since 7d] [--limit 50] [--query "FoadBreached = true"] [--out DIR]

It connects with the app's own settings (FOAD_TEMPORAL_*, and FOAD_PAYLOAD_KEYS: the production key ring that
opens the histories), lists the complaint and hotspot-review workflows that completed since `--since` through
Temporal's visibility store (newest first, `--query` ANDed to the filter, at most `--limit` of them), fetches
each history and writes it as JSON under `--out` (default tests/replay/histories, the folder tests/test_replay.py
replays in CI) as `exported_<kind>_<shape>.json`.

What the file holds (cli/history_scrub.py says how): every personal value replaced by a synthetic one of the
same form, consistently within the history, and every payload sealed again with the replay key that the replay
test opens with. That key is in the repository, so it protects nothing by itself: the protection is that no
real personal data is left to protect. The production keys never leave the machine the command runs on, and the
mapping from real to synthetic values is never written. The command prints which workflow each file came from,
for the operator, not for the repository.

A history whose shape (`shape`: the commands its workflow issued and the signals and updates it received, each
in order) is already in the folder is skipped, so a month of ordinary cases adds a handful of files, not
thousands. Before writing, each scrubbed history is replayed against the code of this checkout: one that does
not replay is reported, not written, and the command exits with 1. Either this checkout cannot run a case that
production ran (the deploy must wait, or patch) or the scrubbing broke the history (a bug here); the message
says which, by replaying the unscrubbed history too.
"""

import argparse
import asyncio
import dataclasses
import hashlib
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from cli.history_scrub import scrub_history
from infra.codec import EncryptionCodec, parse_key_ring
from infra.settings import DEV_PAYLOAD_KEY_ID, DEV_PAYLOAD_KEYS, Settings
from infra.temporal import connect, data_converter, payload_codec
from workflows.complaint import ComplaintWorkflow
from workflows.hotspot import HotspotReviewWorkflow

REPLAY_SET = Path(__file__).resolve().parent.parent / "tests" / "replay" / "histories"
WORKFLOWS = {ComplaintWorkflow.__name__: "complaint", HotspotReviewWorkflow.__name__: "hotspot_review"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def replay_codec() -> EncryptionCodec:
    """The key the replay test opens the committed histories with (tests/replay recording_converter)."""
    return EncryptionCodec(parse_key_ring(DEV_PAYLOAD_KEYS), DEV_PAYLOAD_KEY_ID)


def since_time(text: str, now: datetime) -> datetime:
    """`7d`, `36h`, `90m`, or an ISO 8601 time (UTC if it names no zone)."""
    if match := _DURATION.fullmatch(text.strip()):
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def visibility_query(since: datetime, extra: str | None) -> str:
    types = ", ".join(f"'{name}'" for name in WORKFLOWS)
    query = (
        f"WorkflowType IN ({types}) AND ExecutionStatus = 'Completed' "
        f"AND CloseTime > '{since.astimezone(UTC).isoformat().replace('+00:00', 'Z')}'"
    )
    return f"{query} AND ({extra})" if extra else query


def shape(history: WorkflowHistory) -> str:
    """A digest of the road a case took: the commands its workflow issued (activities by type, timers, markers,
    search-attribute upserts, update results, the end) and the signals and updates it received, each list in
    order. Two cases that took the same road share a shape even where timing interleaved the lists otherwise."""
    commands, inputs = [], []
    for event in history.events:
        name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
        if event.HasField("workflow_execution_signaled_event_attributes"):
            inputs.append("signal:" + event.workflow_execution_signaled_event_attributes.signal_name)
        elif event.HasField("workflow_execution_update_accepted_event_attributes"):
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            inputs.append("update:" + request.input.name)
        elif event.HasField("workflow_execution_started_event_attributes"):
            commands.append(name + ":" + event.workflow_execution_started_event_attributes.workflow_type.name)
        elif event.HasField("activity_task_scheduled_event_attributes"):
            commands.append(name + ":" + event.activity_task_scheduled_event_attributes.activity_type.name)
        elif event.HasField("marker_recorded_event_attributes"):
            commands.append(name + ":" + event.marker_recorded_event_attributes.marker_name)
        elif not name.startswith(("WORKFLOW_TASK_", "ACTIVITY_TASK_STARTED", "ACTIVITY_TASK_COMPLETED")):
            commands.append(name)
    return hashlib.sha256("\n".join([*commands, "--", *inputs]).encode()).hexdigest()[:12]


def shapes_in(folder: Path) -> set[str]:
    return {shape(WorkflowHistory.from_json(path.stem, path.read_text())) for path in folder.glob("*.json")}


async def replay_failure(history: WorkflowHistory, converter: DataConverter) -> str | None:
    replayer = Replayer(workflows=[ComplaintWorkflow, HotspotReviewWorkflow], data_converter=converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return None if result.replay_failure is None else f"{type(result.replay_failure).__name__}: {result.replay_failure}"


async def export(
    client: Client, settings: Settings, *, since: datetime, limit: int, query: str | None, out: Path
) -> int:
    """Write the new shapes among the matching histories to `out`; the exit status (1 if one did not replay)."""
    out.mkdir(parents=True, exist_ok=True)
    known = shapes_in(out)
    production = data_converter(settings)
    replay = dataclasses.replace(production, payload_codec=replay_codec())
    failed = written = seen = 0
    async for execution in client.list_workflows(visibility_query(since, query), limit=limit):
        seen += 1
        history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        digest = shape(history)
        if digest in known:
            print(f"same shape  {execution.id} (already in the set)")
            continue
        scrubbed = scrub_history(history, opener=payload_codec(settings), sealer=replay_codec())
        if failure := await replay_failure(scrubbed, replay):
            original = await replay_failure(history, production)
            cause = "the scrubbing broke it" if original is None else "today's code cannot replay the real history"
            print(f"NOT REPLAYED {execution.id}: {cause}: {failure}", file=sys.stderr)
            failed += 1
            continue
        target = out / f"exported_{WORKFLOWS.get(execution.workflow_type, 'workflow')}_{digest}.json"
        target.write_text(scrubbed.to_json())
        known.add(digest)
        written += 1
        print(f"wrote       {target.name} <- {execution.id} ({len(history.events)} events)")
    print(f"{seen} completed workflow(s) since {since.isoformat()}, {written} new shape(s) written to {out}")
    return 1 if failed else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cli.replay_export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--since", default="7d", help="completed after: 7d, 36h, 90m or an ISO time (default 7d)")
    parser.add_argument("--limit", type=int, default=50, help="examine at most this many workflows (default 50)")
    parser.add_argument("--query", help='a visibility filter ANDed to the default, e.g. "FoadBreached = true"')
    parser.add_argument("--out", type=Path, default=REPLAY_SET, help=f"where to write (default {REPLAY_SET})")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> int:
    settings = Settings()
    client = await connect(settings)
    since = since_time(args.since, datetime.now(UTC))
    return await export(client, settings, since=since, limit=args.limit, query=args.query, out=args.out)


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
