"""Who a permission test walks through."""

# The people a permission test walks through, by fixture name ("anonymous" is no login).
PERSONAS = ["anonymous", "candidate", "other_candidate", "expert", "staff", "head"]
