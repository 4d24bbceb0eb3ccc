"""nugan.tuning (see docs/architecture.md)."""
