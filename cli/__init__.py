"""Every command: the dev stack, migrate, check, seed, generate, users, Open311 clients, replay export."""
