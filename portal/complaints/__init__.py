"""Rights-protection complaints: filing without an account, tracking with a secret code,
handling by staff within working-day deadlines, escalation to the users' committee."""
