"""The web door: the JSON HTTP API under /api/v1 and the server-rendered pages."""
