"""Who is told what, one module per area; emails go through the outbox after commit."""
