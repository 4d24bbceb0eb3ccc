"""nugan.training (see docs/architecture.md)."""
