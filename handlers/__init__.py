"""The edges: one package per channel (parse its payload into an Inbound, render and send replies)."""
