"""SuperShip (Vietnamese last-mile delivery): hook, operators, sensor and sandbox."""
