"""Policy-staff features: published rule-pack versions, drafts, impact previews, the audit log."""
