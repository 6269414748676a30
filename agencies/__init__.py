"""Agency nodes and the SIMCELL playbooks that play agencies no team plays."""

__all__: list[str] = []
