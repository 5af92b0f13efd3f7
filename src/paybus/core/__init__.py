"""Pure logic: no I/O, no clock reads, no database. Everything above builds on it."""
