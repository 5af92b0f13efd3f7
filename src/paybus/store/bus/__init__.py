"""Event buses on either engine: definitions (buses, partner sources, rules, targets), the
publication of events with their deliveries in one transaction, the delivery outbox, archives
and replays, and webhook receipts."""
