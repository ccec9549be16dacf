"""The `hdcat` commands, one module per group; web/cli.py assembles them into one click group."""
