import os
import warnings

import pytest
import torch

# Keep the suite quiet and reproducible on small CPU machines.
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
warnings.filterwarnings("ignore", message=".*weight initialization of GoogleNet.*")
warnings.filterwarnings("ignore", message=".*weight initialization of inception.*")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
