"""Fee standards: versioned tariffs, service fee items, the bill calculator and bill check."""
