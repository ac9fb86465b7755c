"""Online stage, words: the few words the site adds around the plan's (the rest are the content pack's).
English only for now: a content pack cannot change them yet."""

from __future__ import annotations

SKIP = "Skip to the handout"
ALL = "All handouts"
HANDOUTS = "Handouts"
DOWNLOADS = "Print or save"
DOWNLOADS_INTRO = "The same handout as a PDF to print:"
PDF = "PDF"
EDITION = "Edition"
SOURCE = "Source"
REVIEWED = "Content reviewed"
LOGO = "Logo"
LAYOUTS = {"letter": "US Letter", "a4": "A4", "large-print": "Large print (US Letter)"}
GREY = "greyscale"
