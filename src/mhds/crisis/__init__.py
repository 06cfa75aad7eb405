"""Crisis and edge-case scenarios: the scenario library (data) and its expansion."""
