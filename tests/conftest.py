import pytest

from detector import Detector


@pytest.fixture(scope="session")
def rules_detector() -> Detector:
    """The rules path alone: no model needed."""
    return Detector.load(use_model=False)


@pytest.fixture(scope="session")
def detector() -> Detector:
    """The shipped default: rules plus the newest shipped model."""
    return Detector.load()
