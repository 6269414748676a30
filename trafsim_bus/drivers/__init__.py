"""Drivers of the core: virtual time, real time, and replay of a log's inputs."""
