"""The field's common abbreviations and synonyms, for curators to edit from here on."""

from django.db import migrations

SYNONYMS = [
    "SAE, sparse autoencoder",
    "SAEs, sparse autoencoders",
    "TL, transformer lens, TransformerLens",
    "mech interp, mechinterp, mechanistic interpretability",
    "interp, interpretability",
    "LLM, large language model",
    "LLMs, large language models",
    "LM, language model",
    "ACDC, automated circuit discovery",
    "IOI, indirect object identification",
    "RLHF, reinforcement learning from human feedback",
    "CoT, chain of thought",
    "XAI, explainable AI",
    "ROME, rank-one model editing",
    "MLP, multilayer perceptron",
    "NLP, natural language processing",
    "AtP, attribution patching",
    "ActAdd, activation addition, steering vector",
    "SDL, sparse dictionary learning",
    "GPT-2, GPT2",
    "ViT, vision transformer",
    "KE, knowledge editing, model editing",
    "TCAV, concept activation vectors",
    "IG, integrated gradients",
]


def seed(apps, schema_editor):
    SearchSynonym = apps.get_model("catalog", "SearchSynonym")
    for terms in SYNONYMS:
        SearchSynonym.objects.get_or_create(terms=terms)


def unseed(apps, schema_editor):
    apps.get_model("catalog", "SearchSynonym").objects.filter(terms__in=SYNONYMS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0013_search_everything_with_trigrams"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
