"""Agency nodes: the team API (and, to come, the team console) of a live exercise."""

from agencies.node.api import ROUTES

__all__ = ["ROUTES"]
