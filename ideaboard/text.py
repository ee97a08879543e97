"""Text as people type it, compared the way people read it."""
import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: "Estúpido" and "estupido" are the same word here."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
