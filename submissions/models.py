"""Proposals of new resources and corrections, and their review (to come)."""
