"""The seeds' applications, built only on the public API a user's own app would use."""
