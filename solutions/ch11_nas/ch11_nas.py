# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch11_nas_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 11 exercises: neural architecture search
#
# NASNet (Zoph et al., 2017) does not search for a whole network but for a **cell**
# that is stacked many times. A cell receives two inputs, the outputs of the two
# previous cells: states 0 and 1. It has `B` blocks; block `b` picks two of the states
# that exist so far (`0 .. b + 1`), applies an operation to each and adds the
# results, creating state `b + 2`. The states that no block used are concatenated
# as the cell's output. `cnnlib.models.nasnet` stores a cell as a `CellGenotype`:
# `blocks`, a tuple of `(op_left, input_left, op_right, input_right)`, and `concat`.
# The operations here are `"sep3x3"`, `"sep5x5"`, `"sep7x7"`, `"avg3x3"`, `"max3x3"`, `"identity"`.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch11_nas_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn
import random

from cnnlib.models.nasnet import CellGenotype, NASNetCell

OPS = ("sep3x3", "sep5x5", "sep7x7", "avg3x3", "max3x3", "identity")


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch11_nas_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. How big is the search space? (2 points)
#
# Write `count_cells(num_blocks, num_ops, num_combiners=1)`: the number of different
# cells, counting every choice of the two inputs (in order), the two operations (in
# order) and the way the two results are combined, for every block.
#
# `nasnet_space_size`: the count for the NASNet paper's setting: 5 blocks, 13
# operations and 2 combiners (addition or concatenation).

# %% nbgrader={"grade": false, "grade_id": "ch11_nas_q1_answer", "locked": false, "schema_version": 3, "solution": true}
def count_cells(num_blocks, num_ops, num_combiners=1):
    ### BEGIN SOLUTION
    total = 1
    for b in range(num_blocks):
        total *= (2 + b) ** 2 * num_ops ** 2 * num_combiners
    return total
    ### END SOLUTION


### BEGIN SOLUTION
nasnet_space_size = count_cells(5, 13, 2)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch11_nas_q1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("count_cells(1, 3)", 2 * 2 * 3 * 3, hint="one block: 2 inputs to pick, twice, and 3 ops, twice")
check.true("nasnet_space_size > count_cells(5, 13)", "with 2 combiners the space should be larger than with 1",
           name="nasnet_space_size")
### BEGIN HIDDEN TESTS
def brute(blocks, ops, comb):
    total = 1
    for b in range(blocks):
        total = total * (2 + b) * (2 + b) * ops * ops * comb
    return total


for blocks in (1, 2, 3, 5, 7):
    for ops in (1, 4, 13):
        for comb in (1, 2):
            check.integer(f"count_cells({blocks}, {ops}, {comb})", brute(blocks, ops, comb),
                          hint="block b chooses from 2 + b states, in order, for each input; multiply over blocks")
check.integer("nasnet_space_size", brute(5, 13, 2), hint="5 blocks, 13 operations, 2 combiners")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch11_nas_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Sampling a cell (4 points)
#
# Random search, the baseline every NAS method must beat, needs a sampler. Write
# `sample_cell(rng, num_blocks=5, ops=OPS)` returning a
# `CellGenotype(blocks, concat, reduction=False)` where `blocks` and `concat` are
# tuples. Draw every random choice from `rng` (a `random.Random`), in this order for
# each block `b`: `input_left = rng.randrange(2 + b)`, then `input_right` the same
# way, then `op_left = rng.choice(ops)`, then `op_right`. `concat` lists, in
# increasing order, the states `2 .. num_blocks + 1` that no block uses as an input.
#
# Two calls with generators seeded alike must return the same cell, whatever else
# uses the global `random` module in between.

# %% nbgrader={"grade": false, "grade_id": "ch11_nas_q2_answer", "locked": false, "schema_version": 3, "solution": true}
def sample_cell(rng, num_blocks=5, ops=OPS):
    ### BEGIN SOLUTION
    blocks, used = [], set()
    for b in range(num_blocks):
        i_left = rng.randrange(2 + b)
        i_right = rng.randrange(2 + b)
        op_left = rng.choice(ops)
        op_right = rng.choice(ops)
        blocks.append((op_left, i_left, op_right, i_right))
        used.update((i_left, i_right))
    concat = tuple(j for j in range(2, 2 + num_blocks) if j not in used)
    return CellGenotype(tuple(blocks), concat, reduction=False)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch11_nas_q2_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("len(sample_cell(random.Random(0)).blocks)", 5, name="number of blocks of sample_cell(random.Random(0))")
check.true("all(0 <= block[1] < 2 + b and 0 <= block[3] < 2 + b for b, block in enumerate(sample_cell(random.Random(0)).blocks))",
           "block b may only use states 0 .. b + 1", name="inputs of sample_cell(random.Random(0))")
check.true("all(block[0] in OPS and block[2] in OPS for block in sample_cell(random.Random(0)).blocks)",
           "the operations must come from OPS", name="operations of sample_cell(random.Random(0))")
### BEGIN HIDDEN TESTS
def sample_reference(rng, num_blocks, ops):
    """The sampling order the question prescribes."""
    blocks, used = [], set()
    for b in range(num_blocks):
        i_left, i_right = rng.randrange(2 + b), rng.randrange(2 + b)
        op_left, op_right = rng.choice(ops), rng.choice(ops)
        blocks.append((op_left, i_left, op_right, i_right))
        used.update((i_left, i_right))
    return tuple(blocks), tuple(j for j in range(2, 2 + num_blocks) if j not in used)


ops_sets = (("sep3x3", "sep5x5", "sep7x7", "avg3x3", "max3x3", "identity"), ("a", "b"), ("only",))
order = "draw input_left, input_right, op_left, op_right for each block, in that order, all from rng"
for seed in range(40):
    ops = ops_sets[seed % 3]
    blocks = 1 + seed % 6
    expected_blocks, expected_concat = sample_reference(random.Random(seed), blocks, ops)
    call = f"sample_cell(random.Random({seed}), {blocks}, {ops!r})"
    check.true(f"isinstance({call}, CellGenotype)", "sample_cell should return a CellGenotype", name=call)
    check.equal(f"tuple(tuple(b) for b in [random.seed({seed + 1000}), {call}][1].blocks)", expected_blocks,
                name=f"{call}.blocks", hint=order)
    check.equal(f"tuple({call}.concat)", expected_concat, name=f"{call}.concat",
                hint="the states 2 .. num_blocks + 1 that no block uses, in increasing order")
    check.equal(f"tuple(tuple(b) for b in [random.seed({seed + 1000}), random.random(), {call}][2].blocks)",
                expected_blocks, name=f"{call} again, same seed",
                hint="use only rng, never the global random module")
    check.true(f"{call}.reduction is False", "reduction should be False", name=f"{call}.reduction")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch11_nas_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. What does a sampled cell cost? (3 points)
#
# `cnnlib`'s `NASNetCell(genotype, C, C, C, prev_mode="conv", norm_layer=nn.BatchNorm2d,
# act_layer=nn.ReLU)` builds a cell with `C` channels per state. Its parameters are:
#
# * two preprocessing 1x1 convs (`C -> C`, no bias), each followed by BN (2 x `C`);
# * for each `"sepKxK"` operation: twice (depthwise `KxK` conv + pointwise `C -> C`
#   conv, no biases, then BN), i.e. `2 * (K*K*C + C*C + 2*C)`;
# * pools and identities have none.
#
# Write `cell_params(genotype, channels)` computing this count with the formula
# (not by building the cell).

# %% nbgrader={"grade": false, "grade_id": "ch11_nas_q3_answer", "locked": false, "schema_version": 3, "solution": true}
def cell_params(genotype, channels):
    ### BEGIN SOLUTION
    c = channels
    total = 2 * (c * c + 2 * c)
    for op_left, _, op_right, _ in genotype.blocks:
        for op in (op_left, op_right):
            if op.startswith("sep"):
                k = int(op[3])
                total += 2 * (k * k * c + c * c + 2 * c)
    return total
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch11_nas_q3_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("cell_params(CellGenotype((('identity', 0, 'avg3x3', 1),), (2,), False), 8)", 2 * (8 * 8 + 2 * 8),
              name="cell_params of a cell without separable convs, C=8", hint="the two preprocessing 1x1 convs + BN")
### BEGIN HIDDEN TESTS
from cnnlib.models import nasnet


def sample_reference(rng, num_blocks, ops):
    """The sampling order of Q2."""
    blocks, used = [], set()
    for b in range(num_blocks):
        i_left, i_right = rng.randrange(2 + b), rng.randrange(2 + b)
        op_left, op_right = rng.choice(ops), rng.choice(ops)
        blocks.append((op_left, i_left, op_right, i_right))
        used.update((i_left, i_right))
    return tuple(blocks), tuple(j for j in range(2, 2 + num_blocks) if j not in used)


ops = ("sep3x3", "sep5x5", "sep7x7", "avg3x3", "max3x3", "identity")
cases = []
for seed in range(12):
    blocks, concat = sample_reference(random.Random(seed), 2 + seed % 4, ops)
    cases.append((nasnet.CellGenotype(blocks, concat, False), (4, 6, 8)[seed % 3]))
cases += [(nasnet.NASNET_A_NORMAL, 8), (nasnet.NASNET_A_REDUCTION, 8)]
for genotype, channels in cases:
    cell = nasnet.NASNetCell(genotype, channels, channels, channels, prev_mode="conv",
                             norm_layer=nn.BatchNorm2d, act_layer=nn.ReLU)
    expected = sum(p.numel() for p in cell.parameters())
    expr = f"cell_params(CellGenotype({genotype.blocks!r}, {genotype.concat!r}, {genotype.reduction!r}), {channels})"
    check.integer(expr, expected, name=f"cell_params({genotype.blocks}, {channels}) vs NASNetCell",
                  hint="each sepKxK is applied twice: 2 * (K*K*C + C*C + 2*C); pools and identities have no parameters")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch11_nas_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. How many samples does random search need? (2 points)
#
# Suppose each sampled architecture independently lands in the best 1% of the space
# with probability 0.01.
#
# * `p_top1pct_in_100`: the probability that 100 samples contain at least one such
#   architecture;
# * `samples_for_95pct`: the smallest number of samples for which that probability
#   reaches 0.95 (an `int`).

# %% nbgrader={"grade": false, "grade_id": "ch11_nas_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
p_top1pct_in_100 = 1 - 0.99 ** 100
samples_for_95pct = math.ceil(math.log(0.05) / math.log(0.99))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch11_nas_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("0.0 < p_top1pct_in_100 < 1.0", "a probability is between 0 and 1", name="p_top1pct_in_100")
check.true("isinstance(samples_for_95pct, int)", "samples_for_95pct should be an int", name="samples_for_95pct")
### BEGIN HIDDEN TESTS
k, miss = 0, 1.0
while 1.0 - miss < 0.95:
    k, miss = k + 1, miss * 0.99
check.close("p_top1pct_in_100", 1 - 0.99 ** 100, rtol=1e-9, hint="1 minus the probability that all 100 miss")
check.integer("samples_for_95pct", k, hint="the smallest n with 1 - 0.99**n >= 0.95: round up, not down")
### END HIDDEN TESTS
