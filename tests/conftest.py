"""Test set-up shared by every suite."""
