"""The Pulumi stack: one HpcCluster component, its IAM documents and its results bucket."""

from infra.cluster import HpcCluster
from infra.settings import settings_from_config

__all__ = ["HpcCluster", "settings_from_config"]
