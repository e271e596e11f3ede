"""One vocabulary: every word the service shows for a code, from one gettext catalogue.

- ``labels.py``: one English msgid per member of each enumerated kind the domain knows
  (project stage, lift stage, gate, answer outcome, …); Chinese comes from the catalogue.
- ``refusals.py``: one message per refusal code, with its parameters and their kinds.
- ``catalogue.py``: :class:`Vocabulary`, which renders labels, refusals and parameters in
  one language. Pages, PDFs and the API all use it; nothing matches message text.

This package imports neither Flask nor the domain's aggregates: the web layer and the
reports choose the language and hand it in.
"""

from renovation.vocabulary.catalogue import LANGUAGES, Vocabulary, vocabulary

__all__ = ["LANGUAGES", "Vocabulary", "vocabulary"]
