"""rasa-sdk custom actions: thin doors from the dialogue into `assistant/`.

One module per customer job; each action reads slots and metadata, calls the
core, and answers with response templates from `domain.yml`.
"""

from actions import (  # noqa: F401  (registers actions)
    billing,
    changes,
    orders,
    plans,
    refunds,
    self_service,
    session,
    support,
    survey,
)
from assistant.long_lived import settle_long_lived_objects

# What is imported by now lives as long as the action server.
settle_long_lived_objects()
