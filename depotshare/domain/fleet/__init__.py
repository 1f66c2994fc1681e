"""Fleet rules: charge cards and other authorisation tokens."""
