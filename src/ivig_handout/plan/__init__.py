"""Plan stage: content and a clinic profile become a document plan of semantic blocks (no ReportLab)."""
