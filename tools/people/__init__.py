"""People and access: roles, accounts, API tokens."""
