"""
Reading paths are public content shown on cached pages (the home page, the
API), so a change to one changes the catalog version like any catalog edit.
Members' lists and saves are not: they would empty every cached page on each
click (see library.services).
"""

from django.db.models.signals import post_delete, post_save

from catalog.cache import catalog_changed
from library.models import ReadingPath, ReadingPathStep


def mark_catalog_changed(sender, **kwargs):
    catalog_changed()


for model in (ReadingPath, ReadingPathStep):
    post_save.connect(
        mark_catalog_changed, sender=model, dispatch_uid=f"library_changed_{model.__name__}"
    )
    post_delete.connect(
        mark_catalog_changed, sender=model, dispatch_uid=f"library_deleted_{model.__name__}"
    )
