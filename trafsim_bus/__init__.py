"""The simulated bus: its core, drivers, event log, scenarios and evaluation."""

__all__: list[str] = []
