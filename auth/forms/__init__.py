"""Forms of the accounts package, one module per area."""
