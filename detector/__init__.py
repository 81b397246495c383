"""outreach-guard: detect misuse of marketplace customers' personal data in seller messages."""

__version__ = "0.1.0"

from detector.detector import Detector  # noqa: E402
from detector.verdict import Context, Evidence, LabelResult, Recipient, Verdict  # noqa: E402

__all__ = ["Detector", "Verdict", "LabelResult", "Evidence", "Context", "Recipient", "__version__"]
