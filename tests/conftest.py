import warnings

import pytest
import torch

# Keep the suite quiet and reproducible on small CPU machines.
# One thread per test process: `make test` runs two pytest workers on two cores, and
# oversubscribed threads made model tests up to 30x slower on a loaded machine.
torch.set_num_threads(1)
warnings.filterwarnings("ignore", message=".*weight initialization of GoogleNet.*")
warnings.filterwarnings("ignore", message=".*weight initialization of inception.*")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# A real PostgreSQL server (session) and a database per test, for the gradebook tests.
from pg import pg_url, postgresql  # noqa: E402,F401
