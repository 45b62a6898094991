"""Clearly fictitious demo data, loaded by ``flask --app portal demo load``."""
