"""Standing and value points: a deterministic, vectorised function of the journal (see
docs/design/standing.md)."""
