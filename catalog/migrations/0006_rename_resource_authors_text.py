from django.db import migrations


class Migration(migrations.Migration):
    """The comma-separated authors make way for author records (kept until converted)."""

    dependencies = [
        ("catalog", "0005_resource_feed_index"),
    ]

    operations = [
        migrations.RenameField(model_name="resource", old_name="authors", new_name="authors_text"),
    ]
