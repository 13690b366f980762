"""SMS: the Persian texts, the outbox sender, the gateways, segment budgets and the dispatcher."""
