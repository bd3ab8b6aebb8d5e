"""Geography: CBS buurten, their polygons and population, and point-in-polygon lookup."""
