"""nugan.models (see docs/architecture.md)."""
