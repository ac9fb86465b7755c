"""Personalise stage (behind the api, above export and render): the one owner of how a patient's values
reach a page. It holds the templates kept in memory (kept.py), the stamp-or-render decision
(decide.py), the stamping routes (routes.py) and the disk render cache (disk.py: templates and
unpersonalised renderings in the user's cache folder, for batches and the online copy's PDFs); the
api asks it for "this document for this patient" (api._pages), for a print run's members and for a
rendering through the disk cache (api.cached), and no caller learns which route was taken.

The routes, all here: a full render (the caller's: the api renders the plan with the patient in it);
the fast byte stamp into a template kept in memory (export/stamp.fast_stamp); the pikepdf stamp
(export/stamp.stamp) when the fast one cannot read the template or a value needs fonts of its own;
and stamping inside a print run (export/impose.combine with the run's Stamp). Names in shaped
scripts never fit a slot (render/stamp.fits), so they always take the full render; Latin, Greek and
Cyrillic ones are drawn in subsets made once per process (render/wide.py)."""

from __future__ import annotations

from .decide import stamp_values, stampable
from .disk import Entries, RenderCache, cached, lookup
from .kept import Kept, forget, prepared, template
from .routes import Member, member, print_run, stamp_into

__all__ = ["Entries", "Kept", "Member", "RenderCache", "cached", "forget", "lookup", "member", "prepared", "print_run",
           "stamp_into", "stamp_values", "stampable", "template"]
