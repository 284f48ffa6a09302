"""The application layer: joins services to views. See docs/architecture.md.

root.py builds, starts and stops (DesktopApp); session.py owns the session's state
(AgentSession); one desk per area: customer, ticket, agent, settings, sync, cti.
"""
