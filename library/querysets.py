from django.db import models


class ReadingListQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def for_user(self, user):
        """The lists ``user`` owns; nobody else's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def visible_to(self, user):
        """Public lists, and the viewer's own private ones. Staff see no more than anyone."""
        if not user.is_authenticated:
            return self.public()
        return self.filter(models.Q(is_public=True) | models.Q(owner=user))


class ReadingPathQuerySet(models.QuerySet):
    def published(self):
        """Paths curators have published: the only ones any public page or API shows."""
        return self.filter(is_published=True)


class FollowQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)
