"""Measurements of the course on this machine (not tests): ``python -m bench``."""
