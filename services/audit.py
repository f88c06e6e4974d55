"""The admin journal: every change of state, who made it and when."""
from peewee import JOIN

from models import AuditEntry, Campaign, User

PAGE_SIZE = 50

LABELS = {
    "campaign.create": "Campagne créée",
    "campaign.update": "Campagne modifiée",
    "campaign.publish": "Campagne publiée",
    "campaign.unpublish": "Campagne dépubliée",
    "campaign.close": "Campagne close",
    "campaign.archive": "Campagne archivée",
    "campaign.propose": "Campagne proposée",
    "campaign.approve": "Proposition acceptée",
    "campaign.refuse": "Proposition refusée",
    "bilan.request": "Envoi du PDF demandé",
    "bilan.queue": "PDF des signataires mis en envoi",
    "outbox.retry": "Courriel relancé",
    "user.role": "Rôle changé",
    "user.block": "Compte bloqué",
    "user.unblock": "Compte débloqué",
    "export.participations": "Export des participations",
    "export.pdf": "Téléchargement du PDF des signataires",
    "export.subscribers": "Export des abonnés à la lettre d'infos",
    "fraud.release": "Participations suspectes libérées",
    "fraud.discard": "Participations suspectes écartées",
    "fraud.invalidate": "Participations invalidées",
    "blocked.add": "Adresse ou domaine bloqué",
    "blocked.remove": "Adresse ou domaine débloqué",
    "privacy.purge": "Données personnelles effacées",
    "newsletter.create": "Lettre d'infos créée",
    "newsletter.update": "Lettre d'infos modifiée",
    "newsletter.test": "Essai de la lettre d'infos envoyé",
    "newsletter.send": "Lettre d'infos mise en envoi",
    "signing.pause": "Signatures suspendues",
    "signing.resume": "Signatures rétablies",
    "site.read_only_on": "Site en lecture seule",
    "site.read_only_off": "Fin de la lecture seule",
    "counter.hide": "Compteur masqué",
    "counter.show": "Compteur affiché",
    "page.update": "Page du site modifiée",
}


def record(actor, action, campaign=None, subject_user=None, detail=""):
    """Write one line of the journal (inside the caller's transaction, if any).

    `actor` is None for what the system does by itself (closing at the date).
    """
    return AuditEntry.create(
        actor=actor.id if actor is not None else None, action=action,
        campaign=campaign.id if campaign is not None else None,
        subject_user=subject_user.id if subject_user is not None else None,
        detail=detail[:2000])


def label(action):
    return LABELS.get(action, action)


def entries(before=None, campaign=None, limit=PAGE_SIZE):
    """One page of the journal, newest first, and the `before` id of the next page."""
    actor, subject = User.alias(), User.alias()
    # Who, which campaign and which member, read in the same query as the lines.
    query = (AuditEntry.select(AuditEntry, actor, Campaign, subject)
             .join(actor, JOIN.LEFT_OUTER, on=(AuditEntry.actor == actor.id), attr="actor")
             .switch(AuditEntry)
             .join(Campaign, JOIN.LEFT_OUTER, on=(AuditEntry.campaign == Campaign.id),
                   attr="campaign")
             .switch(AuditEntry)
             .join(subject, JOIN.LEFT_OUTER, on=(AuditEntry.subject_user == subject.id),
                   attr="subject_user")
             .order_by(AuditEntry.id.desc()))
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if campaign is not None:
        query = query.where(AuditEntry.campaign == campaign.id)
    rows = list(query.limit(limit + 1))
    next_before = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_before
