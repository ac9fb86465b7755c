"""Design stage: layouts (layouts.yaml and its model) and themes; every number the renderer uses."""
