"""Property: what a commons' works are licensed under, and what may be derived from them.

Step 2 of docs/design/property.md: the licence compatibility table (``licence_rules.json``),
decided by ``commonwork.property.licences``."""
