"""Benefit questions typed as free text: the topics, how a question finds its topic, and the answers."""
