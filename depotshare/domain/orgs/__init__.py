"""Organisations, roles, permissions and the access scope derived from them."""
