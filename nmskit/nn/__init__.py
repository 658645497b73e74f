"""What every model shares."""
