"""Text shared by every stage: normalising, terms, offset-keeping sentences."""
from assistant.text.normalise import clean, normalise_for_match, squash
from assistant.text.segment import ENDED, Span, sentences, stamp_length
from assistant.text.terms import STOPWORDS, TOKENIZER_VERSION, content_terms, stem, words

__all__ = ["ENDED", "STOPWORDS", "TOKENIZER_VERSION", "Span", "clean", "content_terms", "normalise_for_match", "sentences", "squash", "stamp_length", "stem", "words"]
