"""Online stage: the accessible online copy of each handout, as HTML made from the same plan blocks as
the PDF (no ReportLab): one page per document, an index, one stylesheet."""
