"""Challenge operations, one module per area. They flush, never commit."""
