"""The command line: thin, calls the same services or the HTTP API."""
