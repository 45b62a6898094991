"""The users' committee: terms, seats apportioned by fees, elections and members."""
