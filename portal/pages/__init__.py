"""Public pages that belong to no single domain: home, about and privacy, health checks."""
