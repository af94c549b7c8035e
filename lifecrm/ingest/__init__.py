"""Loading the insurer's exports from the landing folder into the warehouse's `raw` schema."""
