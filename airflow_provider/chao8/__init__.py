"""超8 (Chao8) SaaS API open platform: hook, operators, sensor and sandbox."""
