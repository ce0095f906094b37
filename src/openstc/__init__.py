"""openstc: open, self-hostable space traffic coordination.

The package is split into a pure core that computes (``formats``, ``astro``, ``screening``, ``pc``,
``events``) and a shell that does I/O (``store``, ``api``, ``auth``, ``jobs``, ``providers``, ``web``,
``cli``). The core takes data and returns data; it never opens files or sockets, reads the
environment or the clock.
"""

__version__ = "0.1.0"
