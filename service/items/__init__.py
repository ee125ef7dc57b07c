"""Opinion items: intake, their tables, poison and retry."""
