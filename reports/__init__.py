"""Reports, rankings and hotspots for the national centre, computed from the read model."""
