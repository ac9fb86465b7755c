"""Inputs stage: content pack, clinic profile, patient, YAML reading and text safety, as frozen values."""
