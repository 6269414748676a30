"""Scenarios: the TOML format, its loader and the bundled files."""

from trafsim_bus.scenario.bundled import DEFAULT_SCENARIO, bundled_names
from trafsim_bus.scenario.loader import load_scenario, parse_scenario
from trafsim_bus.scenario.model import Scenario

__all__ = ["DEFAULT_SCENARIO", "Scenario", "bundled_names", "load_scenario", "parse_scenario"]
