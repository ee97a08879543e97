"""Live moderation: hide, edit, move, pin, mute, pre-moderation, merge and split, flags, audit log."""
