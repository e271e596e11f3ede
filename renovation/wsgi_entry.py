"""WSGI entry point of an installed package: ``gunicorn renovation.wsgi_entry:app``."""

from renovation.web import create_app

app = create_app()
