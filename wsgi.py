"""WSGI entry point: ``gunicorn wsgi:app`` from a checkout."""

from renovation.web import create_app

app = create_app()
