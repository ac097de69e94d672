"""The fault suite: the production topology under a steady write load, one fault at a time (`make faults`)."""
