"""nugan.uncertainty (see docs/architecture.md)."""
