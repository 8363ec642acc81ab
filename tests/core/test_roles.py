"""Roles and permissions: least privilege holds."""

from __future__ import annotations

from causette.core.roles import GRANTS, Permission, Role, allowed


def test_every_role_has_a_grant_and_every_permission_a_holder() -> None:
    assert set(GRANTS) == set(Role)
    held = set().union(*GRANTS.values())
    assert held == set(Permission)


def test_only_legal_exports_connection_data_and_lifts_preservation() -> None:
    for role in Role:
        assert allowed(role, Permission.REQUISITION) == (role is Role.LEGAL)
        assert allowed(role, Permission.PRESERVE_RELEASE) == (role is Role.LEGAL)


def test_legal_does_not_sanction_and_moderators_do_not_read_the_audit() -> None:
    assert not allowed(Role.LEGAL, Permission.SANCTION)
    assert not allowed(Role.MODERATOR, Permission.AUDIT_READ)
    assert allowed(Role.ADMIN, Permission.SANCTION) and allowed(Role.ADMIN, Permission.AUDIT_READ)
