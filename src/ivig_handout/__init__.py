"""ivig-handout: printable patient handouts of the AAN IVIg information sheet."""

__version__ = "0.1.0"
