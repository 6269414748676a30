"""A live exercise: the bus on the real-time driver with its log, tokens and feeds, and
the HTTP layer shared by the team, control and evaluator APIs (SPEC §14-15)."""
