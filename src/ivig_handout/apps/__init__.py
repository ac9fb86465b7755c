"""Apps stage: the front ends over the library API (the command line, `check`)."""
