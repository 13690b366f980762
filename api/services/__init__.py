"""What the API does for a person: filing, casework, the public view, history, replay, reads."""
