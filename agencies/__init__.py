"""Agency nodes and the SIMCELL playbooks that play agencies no team plays."""

from agencies.playbooks import PLAYBOOKS, Playbook, build_playbooks

__all__ = ["PLAYBOOKS", "Playbook", "build_playbooks"]
