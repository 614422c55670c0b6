"""Customer-experience measures: survey scores, their uncertainty, and feedback."""
