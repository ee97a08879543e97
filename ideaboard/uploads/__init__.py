"""Uploaded files: checked by content, stored outside the static folder under generated names."""
