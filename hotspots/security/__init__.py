"""Security building blocks: pure functions the data layer, the CLI and the pages call.

Nothing here touches the database or streamlit. `hotspots.db` applies `roles.require` and writes
`audit.AuditEntry` rows; pages use `escaping` and `suppression` before anything reaches a screen.
Import the submodules directly (`from hotspots.security.roles import require`).
"""
