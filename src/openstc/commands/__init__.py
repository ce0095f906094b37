"""One module per ``openstc`` sub-command; each exposes ``register(subparsers)``."""
