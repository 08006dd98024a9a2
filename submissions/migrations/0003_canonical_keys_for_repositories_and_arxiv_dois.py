from django.db import migrations

from catalog.canonical import canonical_key


def recompute_keys(apps, schema_editor):
    """Proposals' keys follow the catalog's: github:owner/name, and arxiv:ID for arXiv DOIs."""
    Submission = apps.get_model("submissions", "Submission")
    for submission in Submission.objects.exclude(url="").only("pk", "url", "canonical_key"):
        key = canonical_key(submission.url)
        if key != submission.canonical_key:
            Submission.objects.filter(pk=submission.pk).update(canonical_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0002_moderators_group"),
    ]

    operations = [
        migrations.RunPython(recompute_keys, migrations.RunPython.noop),
    ]
