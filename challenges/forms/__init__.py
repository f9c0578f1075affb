"""Forms of the challenges package, one module per area."""
