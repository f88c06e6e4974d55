"""Search by words and tags, ignoring case and accents ("ecole" finds "École")."""
import re
import unicodedata

WORD = re.compile(r"\w+")
MAX_WORDS = 8


def folded(*texts):
    """Lower case without accents: how campaigns are stored for the search, and how
    what a visitor types is compared with them."""
    text = " ".join(texts).lower()
    return "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char))


def words(query):
    """The words of a query, folded; a handful at most."""
    return WORD.findall(folded(query or ""))[:MAX_WORDS]


def like_pattern(word):
    """A LIKE pattern for one word; `\\w+` holds no `%` or `_` to escape."""
    return f"%{word}%"
