"""openstc.api: the TraCSS-compatible REST API (FastAPI). Build it with :func:`openstc.api.app.create_app`."""
