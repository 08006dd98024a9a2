from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.backends.signals import connection_created

        from catalog import signals  # noqa: F401 -- connects the search-index handlers
        from catalog.search import ensure_planner_statistics

        connection_created.connect(ensure_planner_statistics, dispatch_uid="planner_statistics")
