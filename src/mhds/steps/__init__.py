"""Pipeline steps: per-record transformations and checks over canonical records."""
