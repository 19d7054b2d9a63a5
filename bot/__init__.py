"""The composition root: settings, the `jaring` command, start-up. The only package that knows all others."""
