from django.db import migrations

GROUP_NAME = "Moderators"
# (app label, model, codename, name) of every permission the group holds.
PERMISSIONS = [
    ("submissions", "submission", "view_submission", "Can view submission"),
    (
        "submissions",
        "submission",
        "moderate_submission",
        "Can approve, reject or send back proposals",
    ),
    ("submissions", "submissionevent", "view_submissionevent", "Can view review log entry"),
]


def create_moderators(apps, schema_editor):
    # Permissions are normally made after all migrations have run; make the
    # ones the group needs here, exactly as that step would.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for app_label, model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0001_proposals_and_review_log"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
