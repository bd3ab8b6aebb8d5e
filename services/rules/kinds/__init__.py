"""Pattern kinds: each turns a subject's facts into matches, as a pure function."""
