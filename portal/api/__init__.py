"""Open data API (``/api/v1``): JSON and CSV, stable URLs, open to any origin."""
