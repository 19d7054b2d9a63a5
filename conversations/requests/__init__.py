"""What a flow may ask of the store: one module per family of requests, each paired with a desk in
bot/desks/ of the same name. See base.py."""
