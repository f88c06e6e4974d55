"""The letter a participant sends: the campaign's words, signed with their name and town."""
from services.countries import country_name


def signature_block(signature):
    lines = [f"{signature.first_name} {signature.last_name}"]
    if signature.profession:
        lines.append(signature.profession)
    lines.append(f"{signature.postal_code} {signature.city}")
    if signature.country != "FR":
        lines.append(country_name(signature.country))
    return "\n".join(lines)


def letter_text(signature):
    """The text exactly as the targets receive it."""
    return f"{signature.letter_body.rstrip()}\n\n{signature_block(signature)}\n"


def sender_name(signature, site_name):
    return f"{signature.first_name} {signature.last_name} via {site_name}"
