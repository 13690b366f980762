"""The triage figures of a report against a hand count: contacts by kind, referrals by target, each outcome's share
and the solved-at-once rate; contacts that are not complaints stay out of the complaint figures."""

import pytest

from database.models import Case
from database.sessions import transaction
from reports.service import monthly_report
from schemas.reports import ReportSlice
from tests.reportcases import case_row, load_fixed_cases, tehran


async def _load(sessions) -> None:
    """tests/reportcases.py's Esfand 1403 (E1-E4), with outcomes and a send-back, plus two contacts."""
    await load_fixed_cases(sessions)
    async with transaction(sessions) as session:
        outcomes = {"E1": ("resolved_by_phone", 0), "E2": ("substitute_assigned", 0), "E4": ("resolved_by_phone", 1)}
        for code, (outcome, sent_backs) in outcomes.items():
            case = await session.get(Case, code)
            case.outcome, case.sent_backs = outcome, sent_backs
        suggestion = case_row("T1", tehran(1403, 12, 11), status="forwarded")
        suggestion.contact_kind = "suggestion"
        referred = case_row("T2", tehran(1403, 12, 12), status="referred")
        referred.contact_kind, referred.referral_target_id = "out_of_scope", "inspection-136"
        session.add_all([suggestion, referred])


async def test_outcome_shares_solved_at_once_and_referrals_by_target(report_db):
    await _load(report_db)
    async with report_db() as session:
        f = (await monthly_report(session, ReportSlice(), year=1403, month=12)).period.figures
    assert f.received == 4 and f.in_scope == 3 and f.results == 3  # the complaints alone, as before
    assert f.contacts == {"complaint": 4, "suggestion": 1, "out_of_scope": 1}
    assert f.referrals_by_target == {"inspection-136": 1}
    assert f.outcomes == {"resolved_by_phone": 2, "substitute_assigned": 1}
    assert f.outcome_shares == {
        "resolved_by_phone": pytest.approx(0.6667),
        "substitute_assigned": pytest.approx(0.3333),
    }
    # E1 only: E2 was escalated (and reopened), E4 was sent back once
    assert f.solved_at_once == 1 and f.solved_at_once_rate == pytest.approx(0.3333)
