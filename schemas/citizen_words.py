"""The words a citizen reads for each step and status of a case (the tracking page, the public JSON status), as the
citizen lives it, without the centre's internal titles («راهبر ارشد», «هماهنگ‌کننده»). The staff's words are
`Step.label_fa` and `CaseStatus.label_fa` in schemas.enums."""

from schemas.enums import CaseStatus, Step

CITIZEN_STEP_FA = {
    Step.CONTACT: "تماس شما",
    Step.REGISTRATION: "ثبت شکایت",
    Step.REVIEW: "بررسی در دستگاه",
    Step.HANDLING: "رسیدگی در اداره",
    Step.RESULT: "اعلام نتیجه",
    Step.FEEDBACK: "نظر شما",
}
CITIZEN_STATUS_FA = {
    CaseStatus.IN_REVIEW: "در حال بررسی در دستگاه",
    CaseStatus.IN_HANDLING: "در حال رسیدگی در اداره",
    CaseStatus.AWAITING_APPROVAL: "رسیدگی انجام شد؛ دستگاه نتیجه را بررسی می‌کند",
    CaseStatus.AWAITING_FEEDBACK: "نتیجه اعلام شد؛ منتظر نظر شما هستیم",
    CaseStatus.CLOSED: "بسته‌شده",
    CaseStatus.REJECTED: "خارج از حیطه فواد",
    CaseStatus.REFERRED: "خارج از حیطه فواد؛ به مرجع صالح ارجاع داده شد",
    CaseStatus.FORWARDED: "درخواست یا پیشنهاد شما برای آگاهی دستگاه فرستاده شد",
}
