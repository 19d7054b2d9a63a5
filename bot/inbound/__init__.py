"""The inbound path: the pipeline (inbox, lock, engine, effects and outbox in one transaction), the
request dispatcher, sealing, and the one outbox writer."""
