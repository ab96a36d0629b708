"""What the lectures are made of besides mathematics: plotting, dashboards, progress printing,
and the lecture-specific experiment helpers (``lecture1`` ... ``lecture3``)."""
