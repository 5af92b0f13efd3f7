"""The edges: webhook ingress, notification channels, processor API clients."""
