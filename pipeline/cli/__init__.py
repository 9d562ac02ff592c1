"""`python -m pipeline ...`: the command-line contract of census-spec section 6 and the admin tools."""
