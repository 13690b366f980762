"""Triage in the case workflow: a contact that is not a complaint, and a referral chosen at review.

A mixin of ComplaintWorkflow, kept apart so the main line stays readable. A request or a suggestion is
recorded and forwarded to the agency's senior coordinator as information (the one place it is recorded is
`_forward_as_information`, the FORWARDED event); an out-of-scope contact is recorded and referred to the
registry entry the API resolved, and the citizen is told where to go. Neither starts the 3-hour clock.
Deterministic code only, like the rest of the workflow.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.case import CaseStart, CaseState
    from schemas.enums import CaseStatus, ContactKind, EventKind, Step
    from schemas.referral import ReferralTarget

TRIAGE_PATCH = "triage-at-intake"


def referral_params(target: ReferralTarget) -> dict[str, str]:
    """The «referred» SMS's values: the target's name, and its phone or address."""
    contact = " ".join(
        part for part in (f"تلفن {target.phone}" if target.phone else "", target.address_fa or "") if part
    )
    return {"target": target.name_fa, "contact": contact}


class CaseTriage:
    """The workflow's attributes this mixin uses (set in ComplaintWorkflow.__init__)."""

    _state: CaseState
    _registered: bool

    async def _triage_contact(self, start: CaseStart) -> None:
        """A contact that is not a complaint: recorded, forwarded or referred, and final at once."""
        self._state.step = Step.RESULT
        self._state.closed_at = workflow.now()
        self._state.current_task_id = None
        if start.contact is ContactKind.OUT_OF_SCOPE and start.referral is not None:
            await self._refer_at_intake(start, start.referral)
        else:
            await self._forward_as_information(start)
        self._registered = True

    async def _refer_at_intake(self, start: CaseStart, target: ReferralTarget) -> None:
        self._state.status = CaseStatus.REFERRED
        self._state.referral_target = target
        await self._record(
            EventKind.REFERRED,
            start.filed_by,
            start=start,
            data={"contact": start.contact.value, "target_id": target.id, "at": "intake"},
            sms=("referred", referral_params(target)),
        )

    async def _forward_as_information(self, start: CaseStart) -> None:
        """The single place a request or suggestion is recorded for the agency's senior coordinator."""
        self._state.status = CaseStatus.FORWARDED
        await self._record(
            EventKind.FORWARDED,
            start.filed_by,
            start=start,
            data={"contact": start.contact.value, "agency_id": start.agency_id},
            sms=("forwarded", {"contact_kind": start.contact.label_fa, "agency": start.agency_name_fa}),
        )
