"""An ideathon without internet: the hall kit (to the laptop) and the results bundle (back to the archive)."""
