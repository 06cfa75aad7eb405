"""Gates: fail-closed judgements over a build (see base.py)."""
