"""nugan.zoo (see docs/architecture.md)."""
