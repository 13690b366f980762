"""The read model rebuilt from the histories (the archive's and Temporal's) into an empty database reproduces the
live one, on SQLite and on PostgreSQL; a database that is not empty is refused and left as it was."""

import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from archive.rebuild import NotEmpty, rebuild
from archive.sweep import sweep
from database.models import Case, CaseEventRow, Task
from tests.apiutil import file, http, login, make_app, open_task, projected
from tests.archiveutil import ACCEPT, case_workflow, closed_case, dev_server, forget
from tests.dbutil import migrated, postgres_database
from worker import build_worker

POSTGRES_URL = os.environ.get("FOAD_TEST_POSTGRES_URL")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason="FOAD_TEST_POSTGRES_URL unset")),
    ]
)
async def target(request, tmp_path) -> AsyncIterator:
    """An empty, migrated database of each kind for the rebuild, apart from the live read model."""
    if request.param == "sqlite":
        async with migrated(f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}") as made:
            yield made
    else:
        async with postgres_database(POSTGRES_URL) as url, migrated(url) as made:
            yield made


async def test_the_rebuild_reproduces_the_live_read_model_and_refuses_a_database_not_empty(tmp_path, seeded, target):
    async with dev_server(tmp_path / "temporal") as client:
        queue = f"rebuild-{uuid.uuid4().hex[:8]}"
        async with build_worker(client, sessions=seeded, task_queue=queue):
            async with http(make_app(sessions=seeded, client=client, task_queue=queue)) as api:
                closed = await closed_case(api, seeded)
                running = await file(api)
                await projected(seeded, running)
                senior = await login(api, "sso-senior")
                reviewed = await api.post(f"/cases/{running}/review", json=ACCEPT, headers=senior)
                assert reviewed.status_code == 200, reviewed.text
                await open_task(api, await login(api, "sso-takestan"), running, "handling")
            for _ in range(60):
                if (await sweep(client, seeded, overlap=timedelta(hours=1))).archived:
                    break
            await forget(client, case_workflow(closed))  # the closed case now lives in the archive alone

            report = await rebuild(client, seeded, target)
            assert report.differences == []
            assert (report.from_archive, report.from_temporal) == (1, 1)
            assert report.rows["cases"] == 2 and report.rows["case_events"] > 5 and report.rows["tasks"] >= 3
            async with target() as session:
                codes = set(await session.scalars(select(Case.tracking_code)))
                events = await session.scalar(select(func.count()).select_from(CaseEventRow))
            assert codes == {closed, running}
            async with seeded() as session:
                assert events == await session.scalar(select(func.count()).select_from(CaseEventRow))

            with pytest.raises(NotEmpty, match="cases"):
                await rebuild(client, seeded, target)
            async with target() as session:
                assert await session.scalar(select(func.count()).select_from(Task)) == report.rows["tasks"]
