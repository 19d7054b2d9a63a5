"""The desks: one module per family of requests, answering the core from the store. The chat (through
the dispatcher), the command line and the web pages call the same desks."""
