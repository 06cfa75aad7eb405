"""The build: registry + store -> gated, immutable release (see run.py)."""
