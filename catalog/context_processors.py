from django.conf import settings


def site(request):
    """Names every page uses: the site's name and the list it grew from."""
    return {"SITE_NAME": settings.SITE_NAME, "SOURCE_LIST_URL": settings.SOURCE_LIST_URL}
