"""Documents of a case: attachments (uploads, scoped downloads, soft delete, sharing with a
referral's provider). Generated letters and decisions store their PDFs through
`services.attachment_create` too."""
