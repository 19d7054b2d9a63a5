"""The pure conversation core: no I/O, no framework, nothing from the other packages."""
