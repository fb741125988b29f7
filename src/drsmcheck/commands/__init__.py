"""CLI commands kept out of cli.py, each module registering its own on the app."""
