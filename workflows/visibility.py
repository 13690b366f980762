"""How a case is found in Temporal: its workflow id and the typed search attributes it keeps up to date.

Pure definitions, imported by the workflows (inside the sandbox), the activities, the API and the tools."""

from temporalio.common import SearchAttributeKey

WORKFLOW_ID_PREFIX = "complaint-"


def workflow_id(tracking_code: str) -> str:
    return WORKFLOW_ID_PREFIX + tracking_code


class SearchAttributes:
    """The typed custom search attributes every case keeps up to date."""

    STEP = SearchAttributeKey.for_keyword("FoadStep")
    STATUS = SearchAttributeKey.for_keyword("FoadStatus")
    LEVEL = SearchAttributeKey.for_keyword("FoadLevel")
    AGENCY = SearchAttributeKey.for_keyword("FoadAgency")
    PROVINCE = SearchAttributeKey.for_keyword("FoadProvince")
    COUNTY = SearchAttributeKey.for_keyword("FoadCounty")
    INDICATOR = SearchAttributeKey.for_int("FoadIndicator")
    BREACHED = SearchAttributeKey.for_bool("FoadBreached")

    ALL = (STEP, STATUS, LEVEL, AGENCY, PROVINCE, COUNTY, INDICATOR, BREACHED)
