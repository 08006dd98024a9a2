import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0014_seed_search_synonyms"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="resource",
            name="catalog_res_status_created",
        ),
        migrations.AddIndex(
            model_name="resource",
            index=models.Index(
                fields=["status", "-created_at", "-id"], name="catalog_res_status_added"
            ),
        ),
        migrations.AddIndex(
            model_name="resource",
            index=models.Index(
                condition=models.Q(("featured", True)),
                fields=["status", "-published_at", "-id"],
                name="catalog_res_featured",
            ),
        ),
        migrations.AddIndex(
            model_name="resource",
            index=models.Index(fields=["status", "title"], name="catalog_res_status_title"),
        ),
        migrations.AddIndex(
            model_name="resource",
            index=models.Index(
                fields=["status", "category", "title"], name="catalog_res_category_title"
            ),
        ),
        migrations.AddIndex(
            model_name="resource",
            index=models.Index(
                models.F("status"),
                django.db.models.functions.text.Lower("title"),
                models.F("id"),
                name="catalog_res_lower_title",
            ),
        ),
        # Statistics for the new indexes, without which SQLite's planner may pick the
        # wrong one (it gathers none by itself).
        migrations.RunSQL("ANALYZE", reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
