"""Demo campaigns, written for the demo: every address is at example.org."""
import datetime as dt
import os

from models import Campaign, Target, db, utcnow
from services import importers, site_pages
from services.search import folded

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
DEMO_PLACE_FILES = [
    os.path.join(DATA_DIR, "fixtures", "deputes-amo10.json"),
    os.path.join(DATA_DIR, "fixtures", "bureaux-de-vote-circonscriptions.csv"),
]

DEMO_CAMPAIGNS = [
    {
        "kind": "cyberactions",
        "slug": "arret-migration-m365",
        "title": "Pour des écoles libres de logiciels privateurs : stop à la migration vers Microsoft 365",
        "summary": "Demandons au Premier ministre de renoncer au basculement des écoles vers une suite "
                   "bureautique fermée et hébergée hors d'Europe.",
        "tags": "numérique, éducation, libertés",
        "proposer": "Collectif Écoles Libres (démo)",
        "body": (
            "Le ministère envisage de basculer les messageries et documents de milliers d'écoles vers "
            "une suite bureautique propriétaire, hébergée par une entreprise soumise à des lois "
            "extraterritoriales.\n\n"
            "Les données des élèves et des enseignants doivent rester sous le contrôle de la puissance "
            "publique. Des solutions libres existent déjà et sont utilisées par de nombreuses académies.\n\n"
            "En signant, vous envoyez un courriel au Premier ministre pour lui demander de suspendre "
            "cette migration et d'ouvrir une concertation."),
        "sources": (
            "Rapport fictif sur la souveraineté numérique | https://example.org/rapport-souverainete\n"
            "Note de démonstration | https://example.org/note-demo"),
        "letter_subject": "Stop à la migration des écoles vers Microsoft 365",
        "letter_body": (
            "Monsieur le Premier ministre,\n\n"
            "Je vous demande de suspendre la migration des écoles vers une suite bureautique "
            "propriétaire et d'ouvrir une concertation sur les solutions libres, qui protègent les "
            "données des élèves et coûtent moins cher à la collectivité.\n\n"
            "Je vous prie d'agréer, Monsieur le Premier ministre, l'expression de ma haute considération."),
        "targets": [("Premier ministre", "premier-ministre@example.org")],
        "allow_elu_copy": True,
        "days_open": 12,
        "days_left": 40,
    },
    {
        "kind": "petitions",
        "slug": "sauvons-la-ligne-paris-granville",
        "title": "Sauvons les trains du quotidien entre Paris et Granville",
        "summary": "Une pétition pour le maintien des dessertes et des guichets des petites gares.",
        "tags": "transports, services publics",
        "proposer": "Association des usagers de la ligne (démo)",
        "body": (
            "Trois allers-retours quotidiens pourraient disparaître à la prochaine révision des horaires, "
            "et plusieurs guichets fermer.\n\n"
            "Nous demandons le maintien de toutes les dessertes et des guichets, et un calendrier de "
            "travaux concerté avec les usagers. La liste des signataires sera remise à la présidence "
            "de la région."),
        "sources": "Horaires fictifs de la ligne | https://example.org/horaires-ligne",
        "letter_subject": "Pétition : sauvons les trains du quotidien",
        "letter_body": "Nous, signataires, demandons le maintien des dessertes et des guichets de la ligne.",
        "targets": [("Présidence de la région", "presidence-region@example.org")],
        "days_open": 30,
        "days_left": 60,
    },
    {
        "kind": "cyberactions",
        "slug": "eau-bien-commun",
        "title": "L'eau est un bien commun : non à la privatisation du service de l'eau",
        "summary": "Une cyberaction terminée, pour voir comment se présente une campagne close.",
        "tags": "environnement, services publics",
        "proposer": "Coordination Eau Bien Commun (démo)",
        "body": "Cette campagne demandait le retour en régie publique du service de l'eau.",
        "sources": "",
        "letter_subject": "Non à la privatisation du service de l'eau",
        "letter_body": "Madame la Ministre,\n\nJe vous demande de soutenir le retour en régie publique du service de l'eau.",
        "targets": [("Ministère de la Transition écologique", "ministere-ecologie@example.org")],
        "days_open": 120,
        "days_left": -20,
    },
]


def load_demo_campaigns(now=None):
    """Create the demo campaigns that are not there yet; return how many were created."""
    now = now or utcnow()
    created = 0
    with db.atomic():
        for spec in DEMO_CAMPAIGNS:
            if Campaign.get_or_none(Campaign.kind == spec["kind"], Campaign.slug == spec["slug"]):
                continue
            _create_campaign(spec, now)
            created += 1
    return created


def _create_campaign(spec, now):
    fields = {key: value for key, value in spec.items()
              if key not in ("targets", "days_open", "days_left")}
    opens_at = now - dt.timedelta(days=spec["days_open"])
    closes_at = now + dt.timedelta(days=spec["days_left"])
    closed = closes_at <= now
    campaign = Campaign.create(
        opens_at=opens_at, closes_at=closes_at, published_at=opens_at,
        status=Campaign.CLOSED if closed else Campaign.PUBLISHED,
        closed_at=closes_at if closed else None,
        search_text=folded(spec["title"], spec["summary"], spec["tags"], spec["body"]),
        **fields,
    )
    for position, (name, email) in enumerate(spec["targets"]):
        Target.create(campaign=campaign, name=name, email=email, position=position)
    return campaign


def load_demo_places(communes_path=None):
    """The full commune table, and fictional députés for a few communes."""
    reports = [importers.import_communes(communes_path or os.path.join(DATA_DIR, "communes.csv"))]
    reports += [importers.import_elus_file(path) for path in DEMO_PLACE_FILES]
    return reports


DEMO_PAGES = {
    "association": (
        "Interpelle est l'outil de cyberactions et de pétitions d'une association (démo) qui "
        "défend les libertés numériques et l'écologie au quotidien.\n\n"
        "## Ce que nous faisons\n\n"
        "- Nous proposons des **cyberactions** : un courriel écrit avec vous, envoyé aux élus "
        "ou aux ministres concernés.\n"
        "- Nous portons des **pétitions**, remises avec le bilan des signatures.\n"
        "- Nous publions un bilan à la fin de chaque campagne.\n\n"
        "## Nous rejoindre\n\n"
        "Créez un compte pour signer en un clic, proposer une campagne ou commenter."),
    "faq": (
        "## Mon adresse électronique est-elle publiée ?\n\n"
        "Non, jamais. Elle sert à confirmer votre participation.\n\n"
        "## Pourquoi dois-je confirmer ma participation ?\n\n"
        "Pour que chaque participation corresponde à une vraie personne : un courriel vous "
        "est envoyé, il suffit de suivre son lien.\n\n"
        "## Puis-je modifier la lettre envoyée ?\n\n"
        "Oui, quand la campagne le permet : le texte s'ouvre dans le formulaire avant de signer.\n\n"
        "## Comment supprimer mes données ?\n\n"
        "Dans Mon profil, « Supprimer mon compte ». Voir aussi les mentions légales."),
    "contact": (
        "Une question, une idée de campagne, un problème sur le site ?\n\n"
        "Écrivez-nous à contact@example.org (adresse de démonstration). Nous répondons "
        "en général sous une semaine.\n\n"
        "Pour proposer une campagne, le plus simple est d'utiliser « Proposer » dans le menu "
        "*Agir*, une fois connecté."),
}


def load_demo_pages():
    """L'association, FAQ and Contact, first versions (idempotent)."""
    return site_pages.seed(DEMO_PAGES)
