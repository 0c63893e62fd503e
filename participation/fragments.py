"""Rendered HTML kept per process: the one cache behind the blank posting form
(discussion/form_cache.py) and the moderation queue's forms (moderation/queue_render.py).

What is kept must depend on nothing but its key; the callers put the language and whatever
else the markup shows into the key. While templates are reloaded on change (development),
nothing is kept."""

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock

from flask import current_app


def caching_allowed() -> bool:
    return not current_app.jinja_env.auto_reload


class FragmentCache:
    """The `size` most recently used fragments, safe for the threads of one process."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
