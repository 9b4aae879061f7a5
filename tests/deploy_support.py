"""Shared pieces of the deploy tests: nginx must be installed (skip with the reason without it; CI installs it
and fails instead)."""

from __future__ import annotations

from deploy import local
from tests.conftest import skip_or_fail

MISSING_NGINX = "nginx ist nicht installiert (Debian: apt-get install -y nginx)"


def require_nginx() -> str:
    try:
        return local.nginx_binary()
    except local.DeployError:
        skip_or_fail(MISSING_NGINX)
