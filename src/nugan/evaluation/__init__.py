"""nugan.evaluation (see docs/architecture.md)."""
