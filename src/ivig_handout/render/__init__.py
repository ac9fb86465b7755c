"""Render stage: the only importer of ReportLab. Plans become flowables, pages and PDF bytes; fitting
holds a page-limited document to its limit."""
