"""The admin journal: every change of state, who made it and when."""
from flask_babel import lazy_gettext as _l
from peewee import JOIN

from models import AuditEntry, Campaign, User

PAGE_SIZE = 50

# Shown in the journal in the page's language; the entries store the action's code.
LABELS = {
    "campaign.create": _l("Campagne créée"),
    "campaign.update": _l("Campagne modifiée"),
    "campaign.publish": _l("Campagne publiée"),
    "campaign.unpublish": _l("Campagne dépubliée"),
    "campaign.close": _l("Campagne close"),
    "campaign.archive": _l("Campagne archivée"),
    "campaign.propose": _l("Campagne proposée"),
    "campaign.approve": _l("Proposition acceptée"),
    "campaign.refuse": _l("Proposition refusée"),
    "bilan.request": _l("Envoi du PDF demandé"),
    "bilan.queue": _l("PDF des signataires mis en envoi"),
    "outbox.retry": _l("Courriel relancé"),
    "user.role": _l("Rôle changé"),
    "user.block": _l("Compte bloqué"),
    "user.unblock": _l("Compte débloqué"),
    "export.participations": _l("Export des participations"),
    "export.pdf": _l("Téléchargement du PDF des signataires"),
    "export.subscribers": _l("Export des abonnés à la lettre d'infos"),
    "fraud.release": _l("Participations suspectes libérées"),
    "fraud.discard": _l("Participations suspectes écartées"),
    "fraud.invalidate": _l("Participations invalidées"),
    "blocked.add": _l("Adresse ou domaine bloqué"),
    "blocked.remove": _l("Adresse ou domaine débloqué"),
    "privacy.purge": _l("Données personnelles effacées"),
    "newsletter.create": _l("Lettre d'infos créée"),
    "newsletter.update": _l("Lettre d'infos modifiée"),
    "newsletter.test": _l("Essai de la lettre d'infos envoyé"),
    "newsletter.send": _l("Lettre d'infos mise en envoi"),
    "signing.pause": _l("Signatures suspendues"),
    "signing.resume": _l("Signatures rétablies"),
    "site.read_only_on": _l("Site en lecture seule"),
    "site.read_only_off": _l("Fin de la lecture seule"),
    "counter.hide": _l("Compteur masqué"),
    "counter.show": _l("Compteur affiché"),
    "page.update": _l("Page du site modifiée"),
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
    return str(LABELS.get(action, action))


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
