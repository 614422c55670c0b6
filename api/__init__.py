"""The FastAPI sidecar: customer records for reps, and (later) feedback and scores."""
