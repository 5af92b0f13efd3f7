"""paybus: a self-hosted, event-driven payments backbone.

Verified webhook ingress, an EventBridge-compatible event bus, SQS-semantics queues,
Lambda-style handlers and a durable Amazon States Language engine, on SQLite or PostgreSQL.
"""

__version__ = "0.1.0"
