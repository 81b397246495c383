"""The evaluation notebook runs top to bottom on the shipped model (so it never rots)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "evaluation.ipynb"


@pytest.mark.slow
def test_evaluation_notebook_executes(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    text = "\n".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "macro-F1" in text and "compliant false-positive rate" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2
    assert (NOTEBOOK.parent / "out" / "pr_curves.png").is_file()
