"""What the English tests share: the French words English never uses, the association's
texts turned English (what French remains is then the interface's), and the visible text
of a page."""
import html
import re

import pytest

from models import Campaign, Page, Target

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}

# Words of the interface's French that English never uses (proper names of places and
# people are checked on other pages: "des" or "Les" are common in commune names).
FRENCH_WORDS = [
    "vous", "votre", "vos", "nous", "pour", "avec", "dans", "une", "les", "des", "sur", "est",
    "aux", "du", "Connexion", "Déconnexion", "Inscription", "Rechercher", "Pétitions",
    "Pétition", "Bilans", "Signer", "Envoyer", "Enregistrer", "Retour", "Prénom", "Nom",
    "courriel", "électronique", "Mot de passe", "Accueil", "Afficher", "suivant",
    "précédent", "signataires", "Mentions légales", "merci", "Merci", "aucun", "aucune",
    "Fermer", "Modifier", "Supprimer", "Commune", "Code postal", "Pays", "Mon profil",
    "Lettre d'infos", "Partager", "Recommander", "Liste rapide", "Nous connaître",
    "S'informer", "Agir", "Mon compte", "Proposer", "commentaire", "commentaires",
    "Publier", "Valider", "Annuler", "obligatoire", "élus", "Élus",
]
FRENCH = re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, FRENCH_WORDS)) + r")(?![\w'’-])")


@pytest.fixture
def english_content(app):
    """Every text the association wrote, in English: what is left in French is ours."""
    with app.app_context():
        for number, campaign in enumerate(Campaign.select()):
            Campaign.update(
                title=f"Protect the hedgehogs {number}", summary="Hedgehogs need hedges.",
                body="Hedgehogs cross roads at night.", sources="", tags="nature",
                proposer="Friends of hedgehogs", letter_subject="Hedgehogs",
                letter_body="Dear minister, please protect the hedgehogs.",
                result_text="The hedgehogs were heard.", content_version=number + 100,
            ).where(Campaign.id == campaign.id).execute()
        Target.update(name="Ministry of Hedgehogs").execute()
        Page.update(body="About the hedgehogs.", title="Hedgehogs").execute()


def visible_text(page):
    """The words a reader or a screen reader meets: text and the texts of attributes."""
    page = re.sub(r"(?s)<(script|style|template)\b.*?</\1>", " ", page)
    attributes = re.findall(r'\b(?:aria-label|placeholder|title|alt|data-busy)="([^"]*)"', page)
    text = re.sub(r"(?s)<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *attributes]))
