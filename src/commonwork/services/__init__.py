"""Use cases: one function per thing a person does, shared by the API, the pages and the CLI."""
