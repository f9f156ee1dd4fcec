"""The ``vigie`` command line. Heavy imports (spaCy, Prefect) happen inside commands."""
