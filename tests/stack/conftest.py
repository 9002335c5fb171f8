import pytest
from mock_cloud import Deployment, deploy


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_aws warns about its own deprecated resource types when its modules are imported; not ours to fix.
    config.addinivalue_line("filterwarnings", r"ignore::DeprecationWarning:pulumi_aws\.")


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    """The stack as `pulumi up` would build it for stack `dev` with no config set: every default."""
    return deploy()
