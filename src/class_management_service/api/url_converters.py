"""Path converters of the API's routes."""

from __future__ import annotations

from werkzeug.routing import BaseConverter


class ClassIdConverter(BaseConverter):
    """One path segment naming a class: anything but ``students``.

    ``/v1/classes/students`` is the students collection, which allows GET and POST. Without this
    converter, a PUT or DELETE there matched ``/v1/classes/<class_id>`` and was refused as a
    malformed class id (400) instead of answering 405 with the methods the collection allows.
    Any other segment still reaches the route, which answers a malformed id with a 400.
    """

    regex = r"(?!students$)[^/]+"
    # The regex never spans a slash; werkzeug assumes one naming "/" might, and then matches it
    # against the rest of the path, where a trailing slash made the route not found.
    part_isolating = True
