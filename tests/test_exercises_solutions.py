"""The nbgrader source notebooks in ``solutions/``: format, and that they grade correctly.

* Static checks (fast): each notebook is what its jupytext source ``<chapter>.py`` generates,
  valid nbformat without outputs, one notebook per chapter directory, nbgrader metadata that
  nbgrader itself accepts, unique ``grade_id``s, points on every test cell, one hidden block
  in every test cell, the checks kit imported on each test cell's first line, and the judge
  can plan every test cell (test code never names a student's answer outside a check).
* Execution: each solution notebook runs top to bottom in a fresh kernel with no error and
  nothing on stderr; the student versions (solution regions replaced and hidden tests removed
  by nbgrader's own preprocessors) fail every test cell.
* Mutants: plausible wrong answers that pass the visible checks are caught by the hidden
  checks, and an answer that tries to fool the comparison (an ``int`` subclass equal to
  everything, a shadowed builtin) is rejected.

Student versions and mutants run in one shared kernel each (``%reset -f`` between notebooks)
to import torch once; the solutions get a fresh kernel each, as in nbgrader's autograder.
"""
from __future__ import annotations

import copy
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXPECTED_CHAPTERS = [
    "ch00_arithmetic", "ch01_lenet", "ch02_alexnet", "ch03_zfnet", "ch04_vgg", "ch05_googlenet",
    "ch06_resnet", "ch07_normalization", "ch08_activations", "ch09_resnet_improvements",
    "ch10_efficient", "ch11_nas", "ch12_comparing",
]
KERNEL_TIMEOUT_S = 240  # per cell; generous because the test machine is shared


CHECKS_IMPORT = "from cnnlib.course.checks import check"


def _notebook(slug: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / slug / f"{slug}.ipynb", as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _graded(nb) -> list:
    return [c for c in nb.cells if _nbgrader(c).get("grade")]


# --------------------------------------------------------------------------- static checks
def test_one_notebook_per_chapter_directory():
    dirs = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and p.name[:2] == "ch")
    assert dirs == EXPECTED_CHAPTERS
    for slug in EXPECTED_CHAPTERS:
        files = sorted(p.name for p in (SOLUTIONS / slug).iterdir() if p.name != "__pycache__")
        assert files == [f"{slug}.ipynb", f"{slug}.py", "slips.yml"], \
            f"{slug}/ should hold its source, its notebook and its slips: {files}"


def test_notebooks_are_generated_from_their_sources():
    from cnnlib.course import sources

    stale = [problem for slug in EXPECTED_CHAPTERS for problem in sources.stale(SOLUTIONS / slug)]
    assert not stale, f"regenerate with `make exercises`: {stale}"


@pytest.mark.parametrize("slug", EXPECTED_CHAPTERS)
def test_the_judge_plans_every_test_cell(slug):
    from cnnlib.course import judge

    nb = _notebook(slug)
    plan = judge.plan_notebook(nb, where=slug)
    graded = {_nbgrader(c)["grade_id"] for c in _graded(nb)}
    assert set(plan.cells) == graded
    for grade_id, cell_plan in plan.cells.items():
        assert any(c.hidden for c in cell_plan.checks) and any(not c.hidden for c in cell_plan.checks), grade_id
        for item in cell_plan.checks:  # nothing the judge compares with travels to the sandbox
            assert "expected" not in item.request


@pytest.mark.parametrize("slug", EXPECTED_CHAPTERS)
def test_notebook_format(slug):
    from nbgrader.preprocessors import CheckCellMetadata

    nb = _notebook(slug)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [_nbgrader(c).get("grade_id") for c in nb.cells]
    assert all(ids) and len(ids) == len(set(ids)), "every cell has a unique grade_id"
    for cell in nb.cells:
        meta = _nbgrader(cell)
        assert meta["schema_version"] == 3
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{meta['grade_id']} has outputs"
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            assert not meta["locked"] and not meta["grade"]
        else:
            assert meta["locked"], f"{meta['grade_id']}: instructions and tests are read-only"
            assert "### BEGIN SOLUTION" not in cell.source
    graded = _graded(nb)
    assert 3 <= len(graded) <= 6, f"{slug}: 3-6 questions"
    for cell in graded:
        meta = _nbgrader(cell)
        assert meta["points"] > 0 and meta["locked"] and not meta["solution"]
        assert cell.source.splitlines()[0] == CHECKS_IMPORT
        assert cell.source.count("### BEGIN HIDDEN TESTS") == 1
        assert cell.source.count("### END HIDDEN TESTS") == 1
    # every question: a solution cell right before its test cell
    for i, cell in enumerate(nb.cells):
        if _nbgrader(cell).get("grade"):
            assert _nbgrader(nb.cells[i - 1]).get("solution"), f"{_nbgrader(cell)['grade_id']} follows its answer"
    CheckCellMetadata().preprocess(copy.deepcopy(nb), {})  # nbgrader's own validation


# --------------------------------------------------------------------------- execution
def _student_version(nb):
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    nb = copy.deepcopy(nb)
    resources = {"language": "python"}
    nb, resources = ClearSolutions().preprocess(nb, resources)
    nb, resources = ClearHiddenTests().preprocess(nb, resources)
    return nb


def _execute(nb, cwd: Path) -> float:
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=KERNEL_TIMEOUT_S, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def _stderr(cell) -> str:
    return "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr")


def _execute_in_one_kernel(notebooks: dict[str, nbformat.NotebookNode], cwd: Path) -> dict:
    """Run several notebooks one after the other in a single kernel, clearing the namespace
    (``%reset -f``) before each: every notebook starts with no variables, and torch is imported
    once instead of once per notebook. Returns the executed copies by name."""
    combined = nbformat.v4.new_notebook(metadata=next(iter(notebooks.values())).metadata)
    spans = {}
    for name, nb in notebooks.items():
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        start = len(combined.cells)
        combined.cells.extend(copy.deepcopy(nb.cells))
        spans[name] = (start, len(combined.cells))
    _execute(combined, cwd)
    out = {}
    for name, (start, stop) in spans.items():
        out[name] = copy.deepcopy(notebooks[name])
        out[name].cells = combined.cells[start:stop]
    return out


@pytest.mark.parametrize("slug", EXPECTED_CHAPTERS)
def test_solution_notebook_runs_clean(slug, tmp_path):
    """A fresh kernel, as nbgrader's autograder uses: no error anywhere, nothing on stderr."""
    solved = _notebook(slug)
    seconds = _execute(solved, tmp_path)
    problems = []
    for cell in solved.cells:
        if cell.cell_type != "code":
            continue
        gid = _nbgrader(cell)["grade_id"]
        if _errors(cell):
            problems.append(f"{gid}: {_errors(cell)}")
        if _stderr(cell):
            problems.append(f"{gid} wrote to stderr: {_stderr(cell)[:500]}")
        for output in cell.outputs:  # a number as a test cell's value would be partial credit
            if _nbgrader(cell).get("grade") and output.output_type == "execute_result":
                problems.append(f"{gid} ends with a value: {output.data}")
    assert not problems, f"{slug} solution ({seconds:.0f} s):\n" + "\n".join(problems)


def test_student_versions_fail_every_test_cell(tmp_path):
    """nbgrader's own ClearSolutions + ClearHiddenTests, then every graded cell must fail."""
    students = {}
    for slug in EXPECTED_CHAPTERS:
        students[slug] = _student_version(_notebook(slug))
        text = nbformat.writes(students[slug])
        assert "### BEGIN HIDDEN TESTS" not in text and "### BEGIN SOLUTION" not in text
        assert "raise NotImplementedError()" in text
    passing = []
    for slug, nb in _execute_in_one_kernel(students, tmp_path).items():
        for cell in nb.cells:
            if cell.cell_type == "code" and not _nbgrader(cell).get("grade") and _stderr(cell):
                passing.append(f"{_nbgrader(cell)['grade_id']} wrote to stderr: {_stderr(cell)[:300]}")
        passing += [_nbgrader(c)["grade_id"] for c in _graded(nb) if not _errors(c)]
    assert not passing, f"test cells that pass without any answer: {passing}"


# --------------------------------------------------------------------------- mutants
# (notebook, solution cell to replace, new source, the test cell that must fail)
MUTANTS = {
    "ch00_arithmetic": [
        ("ch00_arithmetic_q1_answer", '''
            def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
                if kernel > size + 2 * padding:
                    raise ValueError("the kernel does not fit")
                return (size + 2 * padding - kernel) // stride + 1     # ignores the dilation
        ''', "ch00_arithmetic_q1_tests"),
        ("ch00_arithmetic_q2_answer", '''
            def conv_params(c_in, c_out, kernel, bias=True, groups=1):
                if c_in % groups or c_out % groups:
                    raise ValueError("groups")
                return c_out * (c_in // groups) * kernel * kernel + (c_out if bias else 0)

            def conv_macs(c_in, c_out, kernel, out_h, out_w, groups=1):
                return c_out * c_in * kernel * kernel * out_h * out_w      # forgets the groups
        ''', "ch00_arithmetic_q2_tests"),
        ("ch00_arithmetic_q3_answer", '''
            class _Anything(int):                    # an int that equals everything
                def __eq__(self, other):
                    return True
                __ne__ = lambda self, other: False
                __hash__ = int.__hash__

            isinstance = lambda *args: True          # shadows the builtin for later cells
            conv1_output_shape, pool1_output_shape = (96, 55, 55), (96, 27, 27)
            conv1_params = _Anything(0)
            conv1_macs = 96 * 11 * 11 * 3 * 55 * 55
            conv1_flops, conv1_memory_bytes, pool1_params = 2 * conv1_macs, 4 * 96 * 55 * 55, 0
        ''', "ch00_arithmetic_q3_tests"),
        ("ch00_arithmetic_q4_answer", '''
            def receptive_field(layers):
                layers = list(layers)
                if not layers:
                    raise ValueError("empty")
                size, jump = 1, 1
                for kernel, stride in layers:
                    size += (kernel - 1) * jump
                    jump *= stride
                return size

            rf_three_3x3 = receptive_field([(3, 1)] * 3)
            rf_alexnet_pool1 = receptive_field([(3, 2), (11, 4)])   # the layers in the wrong order
            params_three_3x3 = 3 * 9 * 256 * 256
            params_one_7x7 = 49 * 256 * 256
        ''', "ch00_arithmetic_q4_tests"),
    ],
    "ch06_resnet": [
        ("ch06_resnet_q1_answer", '''
            class BasicBlock(nn.Module):             # projection shortcut without its BN
                def __init__(self, in_channels, out_channels, stride=1):
                    super().__init__()
                    self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
                    self.bn1 = nn.BatchNorm2d(out_channels)
                    self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
                    self.bn2 = nn.BatchNorm2d(out_channels)
                    self.shortcut = nn.Identity()
                    if stride != 1 or in_channels != out_channels:
                        self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

                def forward(self, x):
                    out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
                    return torch.relu(out + self.shortcut(x))
        ''', "ch06_resnet_q1_tests"),
        ("ch06_resnet_q2_answer", '''
            class Bottleneck(nn.Module):             # ReLU on the last BN, before the addition
                def __init__(self, in_channels, out_channels, stride=1):
                    super().__init__()
                    width = out_channels // 4
                    self.branch = nn.Sequential(
                        nn.Conv2d(in_channels, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                        nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                        nn.Conv2d(width, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())
                    self.shortcut = nn.Identity()
                    if stride != 1 or in_channels != out_channels:
                        self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                                      nn.BatchNorm2d(out_channels))

                def forward(self, x):
                    return torch.relu(self.branch(x) + self.shortcut(x))
        ''', "ch06_resnet_q2_tests"),
    ],
    "ch07_normalization": [
        ("ch07_normalization_q1_answer", '''
            class BatchNorm2d(nn.BatchNorm2d):       # reuses torch's layer, which is off limits
                def __init__(self, num_features, eps=1e-5, momentum=0.1):
                    super().__init__(num_features, eps=eps, momentum=momentum)

                def forward(self, x):
                    if x.dim() != 4 or x.shape[1] != self.num_features:
                        raise ValueError("shape")
                    if self.training and x.numel() // x.shape[1] == 1:
                        raise ValueError("one value")
                    return super().forward(x)
        ''', "ch07_normalization_q1_tests"),
        ("ch07_normalization_q2_answer", '''
            def fold_bn(conv_weight, conv_bias, gamma, beta, running_mean, running_var, eps=1e-5):
                scale = gamma / torch.sqrt(running_var + eps)
                bias = beta - running_mean * scale   # drops the conv's own bias
                return conv_weight * scale[:, None, None, None], bias
        ''', "ch07_normalization_q2_tests"),
    ],
}


def test_hidden_tests_catch_mutants(tmp_path):
    """Each mutant passes its question's visible checks (or fools ``==``); the hidden checks
    of the test cell must reject it, with a check's message (not a crash of the test code)."""
    mutated = {}
    for slug, mutants in MUTANTS.items():
        nb = _notebook(slug)
        by_id = {_nbgrader(c)["grade_id"]: c for c in nb.cells}
        for answer_id, source, _ in mutants:
            by_id[answer_id].source = textwrap.dedent(source).strip("\n")
        mutated[slug] = nb
    missed = []
    for slug, nb in _execute_in_one_kernel(mutated, tmp_path).items():
        by_id = {_nbgrader(c)["grade_id"]: c for c in nb.cells}
        for _, _, test_id in MUTANTS[slug]:
            cell = by_id[test_id]
            if not any(e.startswith("CheckFailed") for e in _errors(cell)):
                missed.append(f"{test_id}: {_errors(cell) or 'passed'}")
    assert not missed, "mutants not caught by the hidden tests:\n" + "\n".join(missed)
