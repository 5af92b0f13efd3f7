"""The embedded engine: SQLite in WAL mode with one group-committing writer thread."""
