from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Reading lists, paths and digests"

    def ready(self):
        from library import signals  # noqa: F401 -- connects the receivers
