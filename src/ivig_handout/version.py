"""The version of ivig-handout (a leaf module: every stage may read it, it imports nothing)."""

__version__ = "0.1.0"
