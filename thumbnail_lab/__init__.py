"""Thumbnail Lab: helpers for the book."""
__version__ = "0.1.0"
