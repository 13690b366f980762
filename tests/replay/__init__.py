"""The replay set: committed histories of representative cases, and how they were recorded."""

from temporalio.converter import DataConverter

from foad.settings import DEV_PAYLOAD_KEY_ID, DEV_PAYLOAD_KEYS, Settings
from foad.temporal import data_converter


def recording_converter() -> DataConverter:
    """The production converter with the development key, the one the `encrypted_` histories were sealed with,
    whatever FOAD_PAYLOAD_KEYS says in the shell that records or replays them."""
    settings = Settings(environment="test", payload_keys=DEV_PAYLOAD_KEYS, payload_key_id=DEV_PAYLOAD_KEY_ID)
    return data_converter(settings)
