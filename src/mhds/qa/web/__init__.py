"""The review web app (``mhds qa serve``): server-rendered pages over the QA library, on
loopback, for reviewers to score their items and adjudicators to resolve disagreements."""
