"""Services that drive core logic over the store: every long-running loop can be started,
drained and stopped."""
