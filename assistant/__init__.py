"""The assistant's domain core: records, customer-history queries, business rules.

Imports neither Rasa nor FastAPI; `actions/` and `api/` are thin doors into it.
"""
