"""One module per payment processor, each a `Verifier`."""
