"""The FOAD 128 JSON API (FastAPI): intake, citizen status, staff cases and tasks, auditing, reference data."""
