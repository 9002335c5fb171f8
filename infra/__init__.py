"""The Pulumi stack: one HpcCluster component, its IAM documents and its results bucket."""

from infra.cluster import HpcCluster
from infra.settings import settings_for_stack

__all__ = ["HpcCluster", "settings_for_stack"]
