"""Closeloop: complaint handling on BPMN workflows. The Flask app factory is webapp.app.create_app."""
