"""Documents in: text read from attached PDF, DOCX and ODT files, for search and for drafts started from a file."""
