"""Add-on offers and rep prompts drawn from each customer's history.

- `profile`: one customer's facts (or every customer's, for training) in a few queries;
- `eligibility`: the catalog's rules (requires, excludes, region, plan);
- `propensity`: per-add-on logistic regression learned from the whole base, kept in a JSON file;
- `reasons`: the one-sentence reason, in the customer's terms;
- `engine`: guardrails and ranking, the one place that decides whether to offer;
- `questions`: open-ended questions a rep can ask;
- `log`: what was offered or suggested and what happened to it;
- `report`: conversion, revenue and satisfaction with and without offers.
"""
