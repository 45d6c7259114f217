"""Checks: a laid-out document -> findings (overflow, collision, type too small, contrast, figures
without their source, QR codes that do not decode), and finished files -> a report (`netral check`).
The renderer calls the layout checks on every render, so this package sits below `render`."""
