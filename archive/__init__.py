"""The archive of closed cases: every closed run's Temporal history kept in the database beside the read model."""
