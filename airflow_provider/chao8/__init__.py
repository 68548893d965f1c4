"""超8 (Chao8) SaaS API open platform: the hook (one module per resource), models, operators and sensor."""
