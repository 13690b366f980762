"""Shared plumbing: settings, the Temporal client, the database, reference data."""
