"""Adversarial submissions of the demo assignment (see ``democourse.py``).

Each :class:`Attack` turns the released notebook into a tampered submission and
states the score the autograder must give it: never more than the cells the
student really solved. ``paths`` (filled in by the test) tells attacks that
try to read instructor files where those files are - the worst case, a student
who knows the course layout.

Wrong answers (``WRONG``): ``square`` returns ``x + x``, ``conv_out`` returns
``size`` (passes the visible test, fails the hidden ones), ``relu`` returns its
input unchanged.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from democourse import cell_index, solve

WRONG = {
    "square": "def square(x):\n    return x + x",
    "conv_out": "def conv_out(size, kernel, stride=1, padding=0):\n    return size",
    "relu": "def relu(a):\n    return a",
}
RIGHT_SQUARE_ONLY = dict(WRONG, square="def square(x):\n    return x * x")
TESTS = ("test_square", "test_conv_out", "test_relu")


@dataclass(frozen=True)
class Attack:
    name: str
    description: str
    build: Callable[[NotebookNode, dict], NotebookNode]
    min_score: float
    max_score: float


def _insert_after(nb: NotebookNode, grade_id: str, source: str) -> NotebookNode:
    nb.cells.insert(cell_index(nb, grade_id) + 1, new_code_cell(source))
    return nb


def _prepend(nb: NotebookNode, source: str) -> NotebookNode:
    nb.cells.insert(cell_index(nb, "imports") + 1, new_code_cell(source))
    return nb


def edit_tests(nb, paths):
    nb = solve(nb, WRONG)
    for grade_id in TESTS:
        cell = nb.cells[cell_index(nb, grade_id)]
        cell.source = "print('all good')"
        cell.metadata.nbgrader["locked"] = False
        cell.metadata.nbgrader.pop("checksum", None)
    return nb


def delete_tests(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in TESTS]
    return nb


def tamper_metadata(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        if meta.get("grade"):
            meta["points"] = 100
        if meta.get("solution"):  # claim the solution cells are graded cells worth points
            meta.update(grade=True, points=50, locked=False)
        meta["schema_version"] = 3
    return nb


def swap_grade_ids(nb, paths):
    nb = solve(nb, WRONG)
    for n, grade_id in enumerate(TESTS):
        cell = nb.cells[cell_index(nb, grade_id)]
        cell.metadata.nbgrader["grade_id"] = f"my_cell_{n}"
        cell.source = "pass"
        # a fake cell claiming the test's id, placed where it always passes
        fake = copy.deepcopy(cell)
        fake.id = f"fake-{n}"
        fake.metadata.nbgrader["grade_id"] = grade_id
        nb.cells.insert(1, fake)
    # duplicate ids of a solution cell
    dup = copy.deepcopy(nb.cells[cell_index(nb, "square")])
    dup.id = "duplicate-square"
    nb.cells.append(dup)
    return nb


def monkeypatch_libraries(nb, paths):
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "import math, operator, builtins, numpy as np, numpy.testing\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.testing.assert_array_equal = lambda *a, **k: None\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, *x, **k: np.ones_like(np.asarray(a), dtype=bool)\n"
        "np.ndarray = type('ndarray', (), {})\n"
        "math.isclose = lambda *a, **k: True\n"
        "operator.eq = lambda a, b: True\n"
        "builtins.all = lambda *a: True\n"
        "builtins.abs = lambda x: 0\n"))


def monkeypatch_checks(nb, paths):
    nb = solve(nb, WRONG)
    return _insert_after(nb, "relu", (
        "import sys, types\n"
        "from cnnlib.course.checks import assert_close\n"
        "ck = sys.modules['cnnlib.course.checks']\n"
        "ck.assert_close = ck.assert_equal = lambda *a, **k: None\n"
        "ck._compare = lambda *a, **k: None\n"
        "ck._isclose = lambda *a, **k: True\n"
        "fake = types.ModuleType('cnnlib.course.checks')\n"
        "fake.assert_close = fake.assert_equal = lambda *a, **k: None\n"
        "sys.modules['cnnlib.course.checks'] = fake\n"))


def shadow_helpers(nb, paths):
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "def assert_close(*args, **kwargs):\n    pass\n"
        "def assert_equal(*args, **kwargs):\n    pass\n"
        "AssertionError = type('AssertionError', (Exception,), {})\n"))


def fake_objects(nb, paths):
    return solve(nb, {
        "square": ("class Yes(float):\n"
                   "    def __eq__(self, other): return True\n"
                   "    __ne__ = lambda self, other: False\n"
                   "    def __float__(self): return 9.0\n"
                   "def square(x):\n    return Yes(0.0)"),
        "conv_out": ("class AnyInt(int):\n"
                     "    def __eq__(self, other): return True\n"
                     "    __hash__ = int.__hash__\n"
                     "def conv_out(size, kernel, stride=1, padding=0):\n    return AnyInt(0)"),
        "relu": ("class Arr(np.ndarray):\n"
                 "    def tolist(self): return [0.0, 2.0]\n"
                 "    def __eq__(self, other): return True\n"
                 "def relu(a):\n    return np.zeros(a.shape).view(Arr)"),
    })


def ipython_hooks(nb, paths):
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "import sys\n"
        "ip = get_ipython()\n"
        "ip.input_transformers_post.append(lambda lines: ['pass\\n'] if any('assert' in l for l in lines) else lines)\n"
        "ip.input_transformers_cleanup.append(lambda lines: [l.replace('assert_', 'print or ') for l in lines])\n"
        "ip.set_custom_exc((BaseException,), lambda *a, **k: None)\n"
        "ip.showtraceback = lambda *a, **k: None\n"
        "type(ip)._showtraceback = lambda *a, **k: None\n"
        "ip.events.register('pre_run_cell', lambda *a: None)\n"
        "sys.excepthook = lambda *a: None\n"
        "import ast\n"
        "class NoAsserts(ast.NodeTransformer):\n"
        "    def visit_Expr(self, node):\n"
        "        return ast.Pass()\n"
        "ip.ast_transformers.append(NoAsserts())\n"))


def background_thread(nb, paths):
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "import sys, threading, time, types\n"
        "fake = types.ModuleType('cnnlib.course.checks')\n"
        "fake.assert_close = fake.assert_equal = lambda *a, **k: None\n"
        "def keep_patching():\n"
        "    while True:\n"
        "        try:\n"
        "            sys.modules['cnnlib.course.checks'] = fake\n"
        "            time.sleep(0.0005)\n"
        "        except BaseException:\n"
        "            pass\n"
        "threading.Thread(target=keep_patching, daemon=True).start()\n"))


def print_passed(nb, paths):
    nb = solve(nb, WRONG)
    for grade_id in ("square", "conv_out", "relu"):
        nb = _insert_after(nb, grade_id, "print('All tests passed! Score: 5/5')")
    return nb


def infinite_loop(nb, paths):
    nb = solve(nb)
    return _insert_after(nb, "test_square", (
        "import time\n"
        "while True:\n"
        "    try:\n"
        "        time.sleep(0.05)\n"
        "    except KeyboardInterrupt:\n"
        "        pass\n"))


def memory_hog(nb, paths):
    nb = solve(nb)
    return _insert_after(nb, "test_square", (
        "hog = []\n"
        "while True:\n"
        "    hog.append(bytearray(32 * 1024 * 1024))\n"))


def os_exit(nb, paths):
    nb = solve(nb)
    return _insert_after(nb, "test_square", "import os\nos._exit(0)")


def sys_exit(nb, paths):
    nb = solve(nb, WRONG)
    nb = _insert_after(nb, "square", "import sys\nsys.exit(0)")
    nb = _insert_after(nb, "conv_out", "raise SystemExit(1)")
    return _insert_after(nb, "relu", "quit()")


def read_secrets(nb, paths):
    """If any instructor file is readable, copy the correct functions out of the solutions."""
    nb = solve(nb, WRONG)
    return _insert_after(nb, "relu", (
        "import json, os, socket, glob\n"
        f"paths = {json.dumps(paths)}\n"
        "seen = {}\n"
        "for name, path in paths.items():\n"
        "    try:\n"
        "        with open(path, 'rb') as fh:\n"
        "            seen[name] = fh.read()\n"
        "    except OSError:\n"
        "        pass\n"
        "    try:\n"
        "        os.listdir(os.path.dirname(path))\n"
        "        seen[name + ' (folder)'] = b''\n"
        "    except OSError:\n"
        "        pass\n"
        "    try:\n"
        "        with open(path, 'ab') as fh:\n"
        "            fh.write(b'tampered')\n"
        "        seen[name + ' (written)'] = b''\n"
        "    except OSError:\n"
        "        pass\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
        "    seen['network'] = b''\n"
        "except OSError:\n"
        "    pass\n"
        "print('visible:', sorted(seen))\n"
        "if 'solution' in seen:\n"
        "    nb = json.loads(seen['solution'])\n"
        "    for cell in nb['cells']:\n"
        "        src = ''.join(cell['source'])\n"
        "        if src.startswith('def '):\n"
        "            exec(src.replace('### BEGIN SOLUTION', '').replace('### END SOLUTION', ''))\n"))


def kill_grader(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", (
        "import os, signal\n"
        "for pid in (os.getppid(), 1):\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "    except OSError:\n"
        "        pass\n"
        "os.killpg(0, signal.SIGKILL)\n"))


# ----------------------------------------------------------------------------- judge-era attacks
# Class 1: student code that runs while a test cell runs, to change what the test judges with.
def finalizer_on_probe(nb, paths):
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "import sys, gc\n"
        "class Bomb:\n"
        "    def __del__(self):\n"
        "        for name, mod in list(sys.modules.items()):\n"
        "            if 'probe' in name or 'checks' in name:\n"
        "                for attr in ('evaluate', 'run', 'encode'):\n"
        "                    try:\n"
        "                        setattr(mod, attr, lambda *a, **k: None)\n"
        "                    except Exception:\n"
        "                        pass\n"
        "        Bomb()\n"
        "Bomb()\n"
        "gc.collect()\n"))


def rebind_on_first_call(nb, paths):
    return solve(nb, dict(WRONG, square=(
        "_calls = []\n"
        "def square(x):\n"
        "    if not _calls:\n"
        "        _calls.append(1)\n"
        "        import sys\n"
        "        for mod in list(sys.modules.values()):\n"
        "            for name in ('check', 'judge_check', 'judge_cell', 'evaluate'):\n"
        "                if hasattr(mod, name):\n"
        "                    try:\n"
        "                        setattr(mod, name, lambda *a, **k: None)\n"
        "                    except Exception:\n"
        "                        pass\n"
        "    return x + x")))


def tuple_len_patch(nb, paths):
    return solve(nb, dict(WRONG, conv_out=(
        "class Sneaky(tuple):\n"
        "    def __len__(self):\n"
        "        import builtins\n"
        "        builtins.isinstance = lambda *a: True\n"
        "        return 1\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __hash__ = tuple.__hash__\n"
        "def conv_out(size, kernel, stride=1, padding=0):\n"
        "    return Sneaky((size,))")))


def audit_hook(nb, paths):
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "import sys\n"
        "def hook(event, args):\n"
        "    if event in ('exec', 'compile', 'import'):\n"
        "        probe = sys.modules.get('_cnnlib_probe')\n"
        "        if probe is not None and not getattr(probe, '_patched', False):\n"
        "            probe._patched = True\n"
        "            real = probe.evaluate\n"
        "            def fake(requests, namespace):\n"
        "                return [{'id': r['id'], 'value': 9.0} for r in requests]\n"
        "            probe.evaluate = fake\n"
        "sys.addaudithook(hook)\n"))


# Class 2: the grading machinery switched off or replaced through sys.modules.
def fake_probe_module(nb, paths):
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "import sys, types, json\n"
        "from IPython.display import display\n"
        "fake = types.ModuleType('_cnnlib_probe')\n"
        "def run(requests, namespace, token=''):\n"
        "    results = []\n"
        "    for r in json.loads(requests):\n"
        "        results.append({'id': r['id'], 'value': 9})\n"
        "    display({'application/vnd.cnnlib.answers+json': {'token': token, 'results': results}}, raw=True)\n"
        "fake.run = run\n"
        "sys.modules['_cnnlib_probe'] = fake\n"
        "chk = types.ModuleType('cnnlib.course.checks')\n"
        "sys.modules['cnnlib.course.checks'] = chk\n"))


def forged_reports(nb, paths):
    """Emits answer reports of its own (every token it can find) claiming the visible answers."""
    nb = solve(nb, WRONG)
    return _prepend(nb, (
        "import sys\n"
        "from IPython.display import display\n"
        "def _forge(frame, event, arg):\n"
        "    token = frame.f_locals.get('token') if event == 'call' else None\n"
        "    if isinstance(token, str) and token:\n"
        "        results = [{'id': i, 'value': v} for i, v in enumerate([9.0, 2.25, 0.25])]\n"
        "        display({'application/vnd.cnnlib.answers+json': {'token': token, 'results': results}}, raw=True)\n"
        "    return None\n"
        "sys.setprofile(lambda f, e, a: _forge(f, e, a))\n"))


# Class 3: nbgrader's partial-credit rule (an execute_result as a test cell's first output).
def displayhook_result(nb, paths):
    return solve(nb, {
        "square": "import sys\ndef square(x):\n    sys.displayhook(1.0)\n    sys.displayhook('ok')\n    return x + x",
        "conv_out": "import sys\ndef conv_out(size, kernel, stride=1, padding=0):\n    sys.displayhook(2)\n    return size",
        "relu": "import sys\ndef relu(a):\n    sys.displayhook(2.0)\n    return a",
    })


# Class 4: cell tags that make nbclient skip the test cells, or allow their errors.
def skip_execution_tags(nb, paths):
    nb = solve(nb, WRONG)
    for grade_id in TESTS:
        cell = nb.cells[cell_index(nb, grade_id)]
        cell.metadata["tags"] = ["skip-execution", "raises-exception"]
        cell.metadata["jupyter"] = {"source_hidden": True}
    nb.metadata["execution"] = {"allow_errors": True}
    return nb


# Class 5: hidden tests into the feedback (the probe's source printed, encoded).
EXFILTRATE = (
    "import base64, binascii, codecs, zlib, sys\n"
    "src = '\\n'.join(str(x) for x in (globals().get('_ih') or [])) + str(globals().get('In', ''))\n"
    "for f in sys._current_frames().values():\n"
    "    while f is not None:\n"
    "        src += str(f.f_locals.get('requests', ''))\n"
    "        f = f.f_back\n"
    "print(base64.b64encode(src.encode()).decode())\n"
    "print(binascii.hexlify(src.encode()).decode())\n"
    "print(codecs.encode(src, 'rot13'))\n"
    "print(base64.b64encode(zlib.compress(src.encode())).decode())\n"
    "print(src)\n"
)


def exfiltrate_tests(nb, paths):
    nb = solve(nb, WRONG)
    for grade_id in TESTS:
        nb = _insert_after(nb, grade_id, EXFILTRATE)
    return nb


def exfiltrate_in_answer(nb, paths):
    """Stashes what the probe asked for and returns it as a (visible) answer, echoed in the feedback."""
    return solve(nb, {
        "square": "def square(x):\n    return x + x",
        "conv_out": ("import sys, base64\n_seen = []\n"
                     "def conv_out(size, kernel, stride=1, padding=0):\n"
                     "    f = sys._getframe(1)\n"
                     "    _seen.append(str(f.f_globals.get('_ih', '')))\n"
                     "    return base64.b64encode(' '.join(_seen).encode()).decode()"),
        "relu": ("import base64\ndef relu(a):\n"
                 "    return base64.b64encode(' '.join(_seen).encode()).decode()"),
    })


# Class 7: resources.
def fork_many(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", (
        "import os, time\n"
        "children = 0\n"
        "try:\n"
        "    for _ in range(400):\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        children += 1\n"
        "except OSError as exc:\n"
        "    print('fork refused after', children, exc)\n"
        "print('children', children)\n"))


def fill_disk(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", (
        "import os, signal\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # keep writing past the file-size limit\n"
        "written = {}\n"
        "for folder in ('/', '/srv', '/tmp', os.path.expanduser('~'), '.'):\n"
        "    total = 0\n"
        "    for part in range(4):  # 4 files of 256 MiB: each within the file-size limit\n"
        "        try:\n"
        "            with open(os.path.join(folder, f'fill{part}.bin'), 'wb') as fh:\n"
        "                for _ in range(16):\n"
        "                    fh.write(b'x' * 16 * 2**20)\n"
        "                    total += 16\n"
        "        except OSError:\n"
        "            pass\n"
        "    written[folder] = total\n"
        "print('written MiB', written)\n"))


def children_hog_memory(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", (
        "import os, time\n"
        "for _ in range(12):\n"
        "    if os.fork() == 0:\n"
        "        try:\n"
        "            hog = bytearray(100 * 2**20)\n"
        "            for i in range(0, len(hog), 4096):\n"
        "                hog[i] = 1\n"
        "        except MemoryError:\n"
        "            pass\n"
        "        time.sleep(20)\n"
        "        os._exit(0)\n"
        "time.sleep(3)\n"))


def print_flood(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", (
        "import sys\n"
        "chunk = 'y' * (1 << 20)\n"
        "for _ in range(200):\n"
        "    sys.stdout.write(chunk)\n"
        "    sys.stdout.flush()\n"))


def huge_answer(nb, paths):
    return solve(nb, dict(WRONG, relu="import numpy as np\ndef relu(a):\n    return np.zeros((8, 1024, 1024))"))



def _replace_kernel_log(how: str) -> str:
    """Replace the kernel's log (stdout/stderr of the kernel process, which the grader reads
    when a kernel dies) in its writable runtime folder, then kill the kernel."""
    return ("import os\n"
            "from ipykernel.connect import get_connection_file\n"
            "log = os.path.join(os.path.dirname(get_connection_file()), 'kernel.log')\n"
            "os.remove(log)\n"
            f"{how}\n"
            "os._exit(3)\n")


def kernel_log_link(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", _replace_kernel_log(f"os.symlink({paths['solution']!r}, log)"))


def kernel_log_fifo(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", _replace_kernel_log("os.mkfifo(log)"))


def kernel_log_devzero(nb, paths):
    nb = solve(nb, RIGHT_SQUARE_ONLY)
    return _insert_after(nb, "test_square", _replace_kernel_log("os.symlink('/dev/zero', log)"))


SCRIPT = "<script>alert('xss')</script><img src=x onerror=\"alert(document.cookie)\">"


def script_in_feedback(nb, paths):
    """Markdown and a submitted HTML output that would run a script in whoever opens the feedback."""
    from nbformat.v4 import new_markdown_cell, new_output

    nb = solve(nb, WRONG)
    nb.cells.insert(cell_index(nb, "imports"), new_markdown_cell(SCRIPT))
    cell = nb.cells[cell_index(nb, "relu")]
    cell.outputs = [new_output("display_data", data={"text/html": SCRIPT, "text/plain": "x"})]
    return nb


def test_cell_to_markdown(nb, paths):
    """A test cell turned into a markdown cell with an attachment (nbgrader refuses a code cell
    with attachments, so restoring its type naively was a tooling error)."""
    from nbformat.v4 import new_markdown_cell

    nb = solve(nb, WRONG)
    index = cell_index(nb, "test_conv_out")
    cell = nb.cells[index]
    markdown = new_markdown_cell(cell.source, metadata=copy.deepcopy(cell.metadata))
    markdown["attachments"] = {"a.png": {"image/png": "iVBORw0KGgo="}}
    nb.cells[index] = markdown
    return nb

ATTACKS = [
    Attack("edit_tests", "test cells replaced by print(), unlocked, checksum removed", edit_tests, 0, 0),
    Attack("delete_tests", "all test cells deleted (square is right)", delete_tests, 1, 1),
    Attack("tamper_metadata", "points inflated to 100, solution cells claim 50 points", tamper_metadata, 1, 1),
    Attack("swap_grade_ids", "tests renamed, fake cells take the test ids, duplicate ids", swap_grade_ids, 0, 0),
    Attack("monkeypatch_libraries", "numpy.testing, np.allclose, math.isclose, builtins patched",
           monkeypatch_libraries, 0, 0),
    Attack("monkeypatch_checks", "cnnlib.course.checks patched and replaced in sys.modules", monkeypatch_checks, 0, 0),
    Attack("shadow_helpers", "assert_close/assert_equal/AssertionError redefined", shadow_helpers, 0, 0),
    Attack("fake_objects", "results whose __eq__ always says True, ndarray subclass", fake_objects, 0, 0),
    Attack("ipython_hooks", "input/AST transformers, custom exception handler, showtraceback patched",
           ipython_hooks, 0, 0),
    Attack("background_thread", "a thread that keeps replacing the checks module", background_thread, 0, 0),
    Attack("print_passed", "prints 'All tests passed! Score: 5/5'", print_passed, 0, 0),
    Attack("infinite_loop", "loops forever ignoring KeyboardInterrupt after test_square", infinite_loop, 1, 1),
    Attack("memory_hog", "allocates until the memory limit after test_square", memory_hog, 1, 5),
    Attack("os_exit", "os._exit(0) after test_square", os_exit, 1, 1),
    Attack("sys_exit", "sys.exit, SystemExit and quit() between cells", sys_exit, 0, 0),
    Attack("read_secrets", "reads/writes solutions, gradebook, another submission; network", read_secrets, 0, 0),
    Attack("kill_grader", "SIGKILL to its parent, pid 1 and its process group after test_square",
           kill_grader, 1, 1),
    Attack("finalizer_on_probe", "a finalizer that patches the probe and checks modules whenever collected",
           finalizer_on_probe, 0, 0),
    Attack("rebind_on_first_call", "the student's function rebinds check/judge helpers on its first call",
           rebind_on_first_call, 0, 0),
    Attack("tuple_len_patch", "a tuple subclass whose __len__ patches builtins and whose __eq__ says yes",
           tuple_len_patch, 0, 0),
    Attack("audit_hook", "an audit hook (cannot be removed) that rewrites the probe on every exec", audit_hook, 0, 0),
    Attack("fake_probe_module", "sys.modules entries of the probe and the checks replaced by fakes reporting 9",
           fake_probe_module, 0, 0),
    Attack("forged_reports", "a profile hook that forges answer reports with every token it sees",
           forged_reports, 0, 0),
    Attack("displayhook_result", "sys.displayhook(number) inside the answers: an execute_result in test cells",
           displayhook_result, 0, 0),
    Attack("skip_execution_tags", "skip-execution/raises-exception tags on the test cells, notebook metadata",
           skip_execution_tags, 0, 0),
    Attack("exfiltrate_tests", "prints the probe's source and requests (base64, hex, rot13, zlib) after each test",
           exfiltrate_tests, 0, 0),
    Attack("exfiltrate_in_answer", "returns what the probe asked for as its answers (echoed by visible checks)",
           exfiltrate_in_answer, 0, 0),
    Attack("fork_many", "400 sleeping child processes after test_square", fork_many, 1, 5),
    Attack("fill_disk", "writes 1 GiB to /, /srv, /tmp, the home and the working folder", fill_disk, 1, 5),
    Attack("children_hog_memory", "12 children of 100 MiB each (past the memory limit together)",
           children_hog_memory, 1, 5),
    Attack("print_flood", "200 MiB printed and flushed after test_square", print_flood, 1, 5),
    Attack("huge_answer", "a 64 MiB array as an answer (past the answer size limit)", huge_answer, 0, 0),
    Attack("kernel_log_link", "the kernel's log replaced by a link to the solutions, then the kernel dies",
           kernel_log_link, 1, 1),
    Attack("kernel_log_fifo", "the kernel's log replaced by a FIFO (a read blocks), then the kernel dies",
           kernel_log_fifo, 1, 1),
    Attack("test_cell_to_markdown", "a test cell made a markdown cell with an attachment",
           test_cell_to_markdown, 0, 0),
    Attack("script_in_feedback", "a script in markdown and in a submitted HTML output, for the feedback page",
           script_in_feedback, 0, 0),
    Attack("kernel_log_devzero", "the kernel's log replaced by a link to /dev/zero, then the kernel dies",
           kernel_log_devzero, 1, 1),
]
