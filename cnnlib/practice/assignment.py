"""Writes the nbgrader practice assignment ``solutions/practice/practice.ipynb``.

``python -m cnnlib.practice.assignment [PATH]`` (re)writes the source notebook from the task
table below. In the notebook a seed cell draws one problem of each kind with
:func:`cnnlib.practice.generate` and shows it with its ``problem_params``; the student writes
one function per kind. Each autograded test cell uses :mod:`cnnlib.course.checks`: it names
the student's call as an expression (``conv_output_volume(**{...})``, the parameters written
out) and computes the expected answer with :mod:`cnnlib.practice.reference`. It checks the
problem shown and, hidden, classic layers and problems of another seed. When grading, test
code runs in the trusted judge, never next to the student's code; in the student's notebook
the same checks run right away on the notebook's ``problem_params``, so one assignment serves
any seed.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from cnnlib import install_cell

__all__ = ["TASKS", "build_notebook", "write_notebook", "DEFAULT_PATH", "DEFAULT_SEED"]

DEFAULT_PATH = Path("solutions/practice/practice.ipynb")
DEFAULT_SEED = 2024


@dataclass(frozen=True)
class Task:
    kind: str
    function: str
    title: str
    signature: str
    doc: str
    solution: str
    points: int
    abs_tol: float = 1e-9
    classics: tuple[dict, ...] = ()  # hidden extra cases, from the lectures
    hint: str = ""  # shown when a check fails: the usual slip, in course terms


_CONV = "in_size, in_channels, out_channels, kernel, stride, padding"

TASKS: tuple[Task, ...] = (
    Task("conv_output", "conv_output_volume", "Output volume of a convolution", _CONV,
         "Return the output volume (C, H, W), channels first, of a conv layer on an "
         "in_channels x in_size x in_size input.",
         """\
out = (in_size - kernel + 2 * padding) // stride + 1
return (out_channels, out, out)""", 1,
         hint="floor the division by the stride, add 1; return (C, H, W), channels first, "
              "with C = out_channels",
         classics=({"in_size": 227, "in_channels": 3, "out_channels": 96, "kernel": 11,
                    "stride": 4, "padding": 0},
                   {"in_size": 224, "in_channels": 3, "out_channels": 64, "kernel": 3,
                    "stride": 1, "padding": 1})),
    Task("conv_params", "conv_layer_params", "Parameters of a convolution", _CONV,
         "Return (parameters with biases, parameters without biases) of the conv layer.",
         """\
weights = kernel * kernel * in_channels * out_channels
return (weights + out_channels, weights)""", 1,
         hint="with biases first (one per output channel), then without",
         classics=({"in_size": 227, "in_channels": 3, "out_channels": 96, "kernel": 11,
                    "stride": 4, "padding": 0},)),
    Task("conv_macs", "conv_layer_macs", "MACs of a convolution", _CONV,
         "Return the multiply-accumulates of the conv layer for one image (no biases).",
         """\
out = (in_size - kernel + 2 * padding) // stride + 1
return out * out * out_channels * kernel * kernel * in_channels""", 1,
         hint="MACs, not FLOPs: every output value costs kernel x kernel x in_channels; no biases",
         classics=({"in_size": 224, "in_channels": 64, "out_channels": 64, "kernel": 3,
                    "stride": 1, "padding": 1},)),
    Task("activation_memory", "output_memory",
         "Activation memory", _CONV + ", batch_size, memory_unit, bytes_per_element",
         "Return the memory of the layer's output for batch_size images in memory_unit "
         "('KB' = 1024 bytes or 'MB' = 1024 KB), rounded to 3 decimals.",
         """\
out = (in_size - kernel + 2 * padding) // stride + 1
n_bytes = out * out * out_channels * bytes_per_element * batch_size
return round(n_bytes / {"KB": 1024, "MB": 1024 ** 2}[memory_unit], 3)""", 1,
         abs_tol=1.01e-3,
         hint="output elements x bytes_per_element x batch_size; 1 KB = 1024 bytes, "
              "1 MB = 1024 KB; round to 3 decimals",
         classics=({"in_size": 227, "in_channels": 3, "out_channels": 96, "kernel": 11,
                    "stride": 4, "padding": 0, "batch_size": 1, "memory_unit": "KB",
                    "bytes_per_element": 4},)),
    Task("receptive_field", "stacked_receptive_field", "Effective receptive field", "layers",
         "layers is a list of [kernel, stride] pairs, first layer first. Return how many input "
         "pixels (along one side) one unit of the last layer sees.",
         """\
size, jump = 1, 1
for kernel, stride in layers:
    size += (kernel - 1) * jump
    jump *= stride
return size""", 1,
         hint="each layer adds (kernel - 1) x the product of the strides of the layers before it",
         classics=({"layers": [[3, 1], [3, 1], [3, 1]]}, {"layers": [[7, 2], [3, 2], [3, 1]]})),
    Task("inception_cost", "inception_macs", "Naive vs bottleneck Inception",
         "in_size, in_channels, c1, r3, c3, r5, c5, pool_proj",
         "Return (MACs of the naive module, MACs of the module with 1x1 bottlenecks); all "
         "convolutions keep the spatial size, pooling costs no MACs.",
         """\
def conv(c_in, c_out, k):
    return in_size * in_size * c_out * k * k * c_in

naive = conv(in_channels, c1, 1) + conv(in_channels, c3, 3) + conv(in_channels, c5, 5)
bottleneck = (conv(in_channels, c1, 1) + conv(in_channels, r3, 1) + conv(r3, c3, 3)
              + conv(in_channels, r5, 1) + conv(r5, c5, 5) + conv(in_channels, pool_proj, 1))
return (naive, bottleneck)""", 2,
         hint="the bottleneck module also counts its 1x1 reductions and the pool projection; "
              "MACs, not FLOPs",
         classics=({"in_size": 28, "in_channels": 256, "c1": 128, "r3": 64, "c3": 192,
                    "r5": 64, "c5": 96, "pool_proj": 64},)),
    Task("depthwise_separable", "separable_savings", "Depthwise-separable savings",
         "in_size, in_channels, out_channels, kernel, quantity",
         "quantity is 'params' or 'macs'. Return (standard conv, depthwise-separable conv, "
         "ratio rounded to 2 decimals); stride 1, 'same' padding, no biases.",
         """\
hw = 1 if quantity == "params" else in_size * in_size
standard = hw * kernel * kernel * in_channels * out_channels
separable = hw * (kernel * kernel * in_channels + in_channels * out_channels)
return (standard, separable, round(standard / separable, 2))""", 1, abs_tol=1.01e-2,
         hint="separable = depthwise (kernel x kernel per input channel) + pointwise 1x1; "
              "'macs' counts every output position; no biases",
         classics=({"in_size": 112, "in_channels": 32, "out_channels": 64, "kernel": 3,
                    "quantity": "macs"},)),
    Task("efficientnet", "compound_scale", "EfficientNet compound scaling",
         "phi, alpha, beta, gamma, base_depth, base_width, base_resolution",
         "Return (depth, width, resolution, MACs factor to 2 decimals) of the scaled stage: "
         "depth rounds up, width rounds to a multiple of 8 (+8 if more than 10% below), "
         "resolution to the nearest integer.",
         """\
import math

depth = math.ceil(base_depth * alpha ** phi)
v = base_width * beta ** phi
width = max(8, int(v + 4) // 8 * 8)
if width < 0.9 * v:
    width += 8
resolution = round(base_resolution * gamma ** phi)
factor = (depth / base_depth) * (width / base_width) ** 2 * (resolution / base_resolution) ** 2
return (depth, width, resolution, round(factor, 2))""", 2, abs_tol=1.01e-2,
         hint="depth rounds up; MACs grow as depth x width^2 x resolution^2, "
              "with the rounded values"),
    Task("bn_fold", "fold_batchnorm", "BatchNorm at test time, folded into a conv",
         "weight, bias, gamma, beta, mean, var, eps",
         "Return (a, c, w'1, w'2, w'3, b') rounded to 4 decimals, where BN(z) = a*z + c at test "
         "time and w', b' are the folded weights and bias of the 1x1 conv.",
         """\
import math

a = gamma / math.sqrt(var + eps)
c = beta - mean * a
return (round(a, 4), round(c, 4), *(round(w * a, 4) for w in weight), round(bias * a + c, 4))""",
         2, abs_tol=1.01e-4,
         hint="a = gamma / sqrt(var + eps) (eps inside the root); b' = a x bias + c"),
    Task("filter_fit", "filter_fits", "Does this filter fit?", "in_size, kernel, stride, padding",
         "Return the output size when the filter tiles the padded input exactly, else 'no'.",
         """\
span = in_size - kernel + 2 * padding
return span // stride + 1 if span % stride == 0 else "no\"""", 1,
         hint="'no' unless in_size - kernel + 2 x padding is a multiple of the stride",
         classics=({"in_size": 7, "kernel": 3, "stride": 3, "padding": 0},
                   {"in_size": 7, "kernel": 3, "stride": 2, "padding": 0})),
)

def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _check_code(task: Task, name: str = "") -> str:
    """The check of one call of the student's function on ``params`` (answer ``expected``)."""
    expr = f"f\"{task.function}(**{{params!r}})\""
    close = f"check.close({expr}, expected, rtol=0.0, atol={task.abs_tol!r}"
    close += f",\n            name={name!r}, hint=hint)" if name else ", hint=hint)"
    if task.kind != "filter_fit":
        return close
    # the answer is an output size or the word 'no'
    name = f", name={name!r}" if name else ""
    return (f"if expected == \"no\":\n    check.choice({expr}, \"no\"{name}, hint=hint)\n"
            f"else:\n" + textwrap.indent(close, "    "))


def _test_source(task: Task) -> str:
    solve = f"expected = reference.solve({task.kind!r}, params)"
    other_seed = f"[q.params for q in generate(SEED + 1, 3, [{task.kind!r}])]  # another seed"
    if task.classics:
        classics = "".join("    dict(" + ", ".join(f"{k}={v!r}" for k, v in case.items()) + "),\n"
                           for case in task.classics)
        cases = f"cases = [  # from the lectures\n{classics}]\ncases += {other_seed}"
    else:
        cases = f"cases = {other_seed}"
    visible = _check_code(task, name=f"{task.function}(**problem_params[{task.kind!r}])")
    hidden = textwrap.indent(f"{solve}\n{_check_code(task)}", "    ")
    return f"""\
from cnnlib.course.checks import check
from cnnlib.practice import reference

hint = {task.hint!r}
params = problem_params[{task.kind!r}]
{solve}
{visible}
### BEGIN HIDDEN TESTS
from cnnlib.practice import generate

{cases}
for params in cases:
{hidden}
### END HIDDEN TESTS"""


def build_notebook(seed: int = DEFAULT_SEED):
    """The source (solution) notebook with nbgrader metadata, as an nbformat v4 notebook."""
    import nbformat.v4 as nbf

    kinds = [t.kind for t in TASKS]
    total = sum(t.points for t in TASKS)
    cells = [
        nbf.new_markdown_cell(
            "# Practice assignment: CNN arithmetic\n\n"
            f"Write the {len(TASKS)} small functions below ({total} points). Each section shows "
            "one midterm-style problem and its numbers (`problem_params`); your function takes "
            "those numbers as keyword arguments and returns the answer. Work one problem by hand "
            "first, then turn your steps into code.\n\n"
            "The test under each function checks it on the problem shown and, when graded, on "
            "more cases. Change `SEED` in the next cell for a fresh set of numbers: the same "
            "functions must still pass.\n\n"
            "Conventions: MACs count multiply-accumulates of convolutions only (no biases; "
            "FLOPs = 2 x MACs); float32 takes 4 bytes; 1 KB = 1024 bytes; volumes are written "
            "(C, H, W), channels first, as in the book and in PyTorch.",
            metadata=_meta("intro", locked=True)),
        nbf.new_code_cell(
            "from IPython.display import Markdown, display\n\n"
            "from cnnlib.practice import generate\n\n"
            f"SEED = {seed}  # any integer >= 0 gives another set of numbers\n"
            f"KINDS = {kinds!r}\n"
            "problems = {p.kind: p for p in generate(SEED, len(KINDS), KINDS)}\n"
            "problem_params = {kind: dict(p.params) for kind, p in problems.items()}",
            metadata=_meta("setup", locked=True)),
    ]
    for i, task in enumerate(TASKS, 1):
        cells.append(nbf.new_markdown_cell(
            f"## {i}. {task.title} ({task.points} point{'s' if task.points > 1 else ''})\n\n"
            f"Write `{task.function}({task.signature})`. {task.doc}",
            metadata=_meta(f"task_{task.kind}", locked=True)))
        cells.append(nbf.new_code_cell(
            f"display(Markdown(problems[{task.kind!r}].question))\n"
            f"problem_params[{task.kind!r}]",
            metadata=_meta(f"show_{task.kind}", locked=True)))
        body = textwrap.indent(f"### BEGIN SOLUTION\n{task.solution}\n### END SOLUTION", "    ")
        cells.append(nbf.new_code_cell(
            f"def {task.function}({task.signature}):\n"
            f"    \"\"\"{task.doc}\"\"\"\n{body}\n\n\n"
            f"{task.function}(**problem_params[{task.kind!r}])",
            metadata=_meta(task.function, solution=True)))
        cells.append(nbf.new_code_cell(
            _test_source(task),
            metadata=_meta(f"test_{task.function}", grade=True, locked=True,
                           points=task.points)))
    nb = nbf.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    install_cell.apply(nb, _install_settings(), nbgrader=True)
    for cell in nb.cells:  # stable ids: a regenerated notebook differs only where its content does
        cell["id"] = cell.metadata["nbgrader"]["grade_id"]
    return nb


def _install_settings() -> install_cell.Settings:
    """The course's settings: the repository's ``_config.yml`` in a checkout, else the installed cnnlib's."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "_config.yml").is_file():
        return install_cell.settings_from_config(checkout)
    return install_cell.settings_installed()


def write_notebook(path: str | Path = DEFAULT_PATH, seed: int = DEFAULT_SEED) -> Path:
    """Write the source notebook to ``path`` (validated by nbformat)."""
    import nbformat

    nb = build_notebook(seed)
    nbformat.validate(nb)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlib.practice.assignment",
                                     description="Write the nbgrader practice assignment.")
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    print(f"wrote {write_notebook(args.path, args.seed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
