"""The command line: every command a thin wrapper over a service function."""
