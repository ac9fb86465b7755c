"""Export stage: the only importer of pikepdf. Imposition, print-run files, page facts, and the sinks
that hand finished bytes on (a file today; a printer and the education record later)."""
