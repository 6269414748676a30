"""trafsim's composition root: the `trafsim` command line."""

from trafsim.cli import build_parser, main

__all__ = ["build_parser", "main"]
