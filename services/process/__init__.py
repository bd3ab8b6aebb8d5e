"""Child processes: spawning them so that they die with their parent, and stopping them with a grace."""
