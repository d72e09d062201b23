"""The company side: saved self-assessments (models), their versions, purging old ones, and the checks of answers
the form, the guided interview and saved links share (answers: one intake path with the API and the CLI)."""
