"""The ticket kernel: what a ticket, an assignment and a deadline are, without a framework.

Imports only the standard library, the calendar library and SQLAlchemy Core (for the one SQL
form of the watched-deadline rule); never Flask, the models or a feature package. The models
and every feature import it; its functions work on the objects they are given.
"""
