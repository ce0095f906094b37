"""openstc.astro."""
