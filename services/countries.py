"""Countries offered on the signing form, France first."""

COUNTRIES = [
    ("FR", "France"),
    ("BE", "Belgique"),
    ("CH", "Suisse"),
    ("LU", "Luxembourg"),
    ("MC", "Monaco"),
    ("CA", "Canada"),
    ("DE", "Allemagne"),
    ("AD", "Andorre"),
    ("AT", "Autriche"),
    ("BJ", "Bénin"),
    ("BF", "Burkina Faso"),
    ("CM", "Cameroun"),
    ("CI", "Côte d'Ivoire"),
    ("DK", "Danemark"),
    ("DZ", "Algérie"),
    ("ES", "Espagne"),
    ("US", "États-Unis"),
    ("FI", "Finlande"),
    ("GA", "Gabon"),
    ("GR", "Grèce"),
    ("HT", "Haïti"),
    ("IE", "Irlande"),
    ("IT", "Italie"),
    ("LB", "Liban"),
    ("MA", "Maroc"),
    ("MG", "Madagascar"),
    ("ML", "Mali"),
    ("NL", "Pays-Bas"),
    ("NO", "Norvège"),
    ("PL", "Pologne"),
    ("PT", "Portugal"),
    ("GB", "Royaume-Uni"),
    ("SN", "Sénégal"),
    ("SE", "Suède"),
    ("TN", "Tunisie"),
    ("ZZ", "Autre pays"),
]

COUNTRY_NAMES = dict(COUNTRIES)


def country_name(code):
    return COUNTRY_NAMES.get(code, code)
