"""Rasa-side adapters: channels that bind a chat to a customer, and the tracker store."""
