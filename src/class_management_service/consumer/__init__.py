"""The suggestions consumer and the association timeout monitor: they depend on ports only."""
