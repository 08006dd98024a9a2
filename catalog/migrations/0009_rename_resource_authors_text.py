from django.db import migrations


class Migration(migrations.Migration):
    """The comma-separated authors make way for author records (kept until converted)."""

    dependencies = [
        ("catalog", "0008_merge_link_health_and_metadata"),
    ]

    operations = [
        migrations.RenameField(model_name="resource", old_name="authors", new_name="authors_text"),
    ]
