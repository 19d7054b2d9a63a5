"""The command line's sub-commands: each parses, calls a desk, and says the result in the CLI's language."""
