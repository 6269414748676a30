"""SIMCELL playbooks: scripted agencies for headless exercises."""

from agencies.playbooks.base import Draft, Playbook
from agencies.playbooks.registry import PLAYBOOKS, build_playbooks

__all__ = ["PLAYBOOKS", "Draft", "Playbook", "build_playbooks"]
