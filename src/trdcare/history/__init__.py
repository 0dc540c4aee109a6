"""Treatment history: trials, adequacy, TRD status and staging; treatment courses."""
