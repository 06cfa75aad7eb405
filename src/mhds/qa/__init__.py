"""Clinical QA: review sample, rubric, decision log, agreement, sign-off, review web app."""
