"""Routers by audience: the public (intake, reference), staff (cases, tasks, actions), auditors, auth."""
