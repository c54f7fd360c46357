"""Typical wrong, hostile and right answers to notebook 13 (checkpointing)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_SAVE = '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.save({checkpoint}, path)
'''


def _save(model='model.state_dict()', optimizer='optimizer.state_dict()', epoch="epoch",
          rng="torch.get_rng_state()", extra="") -> str:
    entries = [f'"{k}": {v}' for k, v in (("model", model), ("optimizer", optimizer), ("epoch", epoch),
                                          ("rng", rng)) if v is not None]
    return _SAVE.format(checkpoint="{" + ", ".join(entries) + extra + "}")


_RESUME = '''
def resume(path, model, optimizer):
    checkpoint = torch.load(path, weights_only={weights_only})
    {model}
    {optimizer}
    {rng}
    return {result}
'''


def _resume(weights_only="True", model='model.load_state_dict(checkpoint["model"])',
            optimizer='optimizer.load_state_dict(checkpoint["optimizer"])',
            rng='torch.set_rng_state(checkpoint["rng"])', result='checkpoint["epoch"]') -> str:
    return _RESUME.format(weights_only=weights_only, model=model, optimizer=optimizer, rng=rng, result=result)


_MATCHING = '''
def load_matching(model, state_dict):
    own = model.state_dict()
    {body}
'''

_ATOMIC = '''
def atomic_save(obj, path):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = {mkstemp}
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            {sync}
        {rename}
    except BaseException:
        {cleanup}
'''


def _atomic(mkstemp='tempfile.mkstemp(dir=folder, suffix=".tmp")',
            sync="f.flush()\n            os.fsync(f.fileno())", rename="os.replace(tmp, path)",
            cleanup="if os.path.exists(tmp):\n            os.remove(tmp)\n        raise") -> str:
    return _ATOMIC.format(mkstemp=mkstemp, sync=sync, rename=rename, cleanup=cleanup)


_KEEP = '''
def train_keep_best(model, optimizer, num_epochs, train_epoch, evaluate, path):
    best_epoch, best_acc = 0, {start}
    for epoch in {epochs}:
        {first}
        {second}
        if acc {compare} best_acc:
            best_epoch, best_acc = {best_epoch}, acc
            save_checkpoint(path, model, optimizer, {saved})
    return best_epoch, best_acc
'''


def _keep(start='-float("inf")', epochs="range(1, num_epochs + 1)", first="train_epoch(model, optimizer)",
          second="acc = evaluate(model)", compare=">", best_epoch="epoch", saved="epoch") -> str:
    return _KEEP.format(start=start, epochs=epochs, first=first, second=second, compare=compare,
                        best_epoch=best_epoch, saved=saved)


WRONG = [
    # Exercise 1: save_checkpoint
    WrongAnswer("save_checkpoint", "the notes' model.state_dict without parentheses",
                _save(model="model.state_dict", optimizer="optimizer.state_dict"), "without parentheses"),
    WrongAnswer("save_checkpoint", "the model object itself", _save(model="model"), "not the model object"),
    WrongAnswer("save_checkpoint", "the optimizer object itself", _save(optimizer="optimizer"),
                "not the optimizer object"),
    WrongAnswer("save_checkpoint", "no optimizer state", _save(optimizer=None), "momentum buffers"),
    WrongAnswer("save_checkpoint", "no random state", _save(rng=None), "torch.get_rng_state()"),
    WrongAnswer("save_checkpoint", "the seed instead of the state", _save(rng="torch.initial_seed()"),
                "only the seed"),
    WrongAnswer("save_checkpoint", "only the parameters, no buffers",
                _save(model="dict(model.named_parameters())"), "buffers"),
    WrongAnswer("save_checkpoint", "epoch + 1 saved", _save(epoch="epoch + 1"), "as it is"),
    WrongAnswer("save_checkpoint", "the state after a new seed", '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.manual_seed(epoch)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
                "rng": torch.get_rng_state()}, path)
''', "without drawing random numbers"),
    WrongAnswer("save_checkpoint", "a list instead of a dict", '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.save([model.state_dict(), optimizer.state_dict(), epoch, torch.get_rng_state()], path)
''', "one dict"),
    # Exercise 2: resume
    WrongAnswer("resume", "optimizer not restored", _resume(optimizer="pass"), "optimizer.load_state_dict"),
    WrongAnswer("resume", "random state not restored", _resume(rng="pass"), "torch.set_rng_state"),
    WrongAnswer("resume", "the notes' epoch + 1", _resume(result='checkpoint["epoch"] + 1'), "not epoch + 1"),
    WrongAnswer("resume", "the whole checkpoint returned", _resume(result="checkpoint"),
                "not the whole checkpoint"),
    WrongAnswer("resume", "weights_only=False", _resume(weights_only="False"), "weights_only=True"),
    WrongAnswer("resume", "a model assigned inside resume", _resume(
        model='model = copy.deepcopy(model)\n    model.load_state_dict(checkpoint["model"])'),
                "on the model you were given"),
    WrongAnswer("resume", "a random number drawn after set_rng_state", _resume(
        rng='torch.set_rng_state(checkpoint["rng"])\n    torch.randn(1)'), "draw no random numbers after it"),
    # Exercise 3: load_matching
    WrongAnswer("load_matching", "strict=False alone", _MATCHING.format(
        body="return model.load_state_dict(state_dict, strict=False).missing_keys"), "not a shape mismatch"),
    WrongAnswer("load_matching", "filtered by name only", _MATCHING.format(
        body="filtered = {k: v for k, v in state_dict.items() if k in own}\n"
             "    return model.load_state_dict(filtered, strict=False).missing_keys"), "whose shape equals"),
    WrongAnswer("load_matching", "the notes' not k.startswith('fc')", _MATCHING.format(
        body="filtered = {k: v for k, v in state_dict.items() if k in own and not k.startswith('fc')}\n"
             "    return model.load_state_dict(filtered, strict=False).missing_keys"),
                "not a shape mismatch"),
    WrongAnswer("load_matching", "the filtered dict without strict=False", _MATCHING.format(
        body="filtered = {k: v for k, v in state_dict.items() if k in own and v.shape == own[k].shape}\n"
             "    return model.load_state_dict(filtered).missing_keys"), "strict=False"),
    WrongAnswer("load_matching", "own.update(...) instead of load_state_dict", _MATCHING.format(
        body="loaded = {k: v for k, v in state_dict.items() if k in own and v.shape == own[k].shape}\n"
             "    own.update(loaded)\n"
             "    return [k for k in own if k not in loaded]"),
                "replaces its entries, not the model's tensors"),
    WrongAnswer("load_matching", "unexpected_keys returned", _MATCHING.format(
        body="filtered = {k: v for k, v in state_dict.items() if k not in own or v.shape == own[k].shape}\n"
             "    return model.load_state_dict(filtered, strict=False).unexpected_keys"),
                "that is unexpected_keys"),
    WrongAnswer("load_matching", "the result object returned", _MATCHING.format(
        body="filtered = {k: v for k, v in state_dict.items() if k in own and v.shape == own[k].shape}\n"
             "    return model.load_state_dict(filtered, strict=False)"), ".missing_keys"),
    WrongAnswer("load_matching", "mismatching entries deleted from the given dict", _MATCHING.format(
        body="for k in list(state_dict):\n"
             "        if k not in own or state_dict[k].shape != own[k].shape:\n"
             "            del state_dict[k]\n"
             "    return model.load_state_dict(state_dict, strict=False).missing_keys"), "build a new dict"),
    # Exercise 4: atomic_save
    WrongAnswer("atomic_save", "torch.save straight into path", '''
def atomic_save(obj, path):
    torch.save(obj, path)
''', "empties path first"),
    WrongAnswer("atomic_save", "no clean-up after a failure", _atomic(cleanup="raise"),
                "remove the half-written"),
    WrongAnswer("atomic_save", "the error swallowed", _atomic(
        cleanup="if os.path.exists(tmp):\n            os.remove(tmp)\n        print('save failed')"),
                "raise the error again"),
    WrongAnswer("atomic_save", "no fsync", _atomic(sync="f.flush()"), "os.fsync(f.fileno())"),
    WrongAnswer("atomic_save", "the temporary file in /tmp",
                _atomic(mkstemp='tempfile.mkstemp(suffix=".tmp")'), "file system"),
    WrongAnswer("atomic_save", "the finished file copied over path", _atomic(
        rename="shutil.copyfile(tmp, path)\n        os.remove(tmp)").replace(
        "def atomic_save", "import shutil\ndef atomic_save"),
                "os.replace(tmp, path) swaps"),
    WrongAnswer("atomic_save", "old file removed, then the new one written", '''
def atomic_save(obj, path):
    if os.path.exists(path):
        os.remove(path)
    torch.save(obj, path)
''', "the previous checkpoint was destroyed"),
    # Exercise 5: train_keep_best
    WrongAnswer("train_keep_best", "a checkpoint after every epoch", '''
def train_keep_best(model, optimizer, num_epochs, train_epoch, evaluate, path):
    best_epoch, best_acc = 0, -float("inf")
    for epoch in range(1, num_epochs + 1):
        train_epoch(model, optimizer)
        acc = evaluate(model)
        if acc > best_acc:
            best_epoch, best_acc = epoch, acc
        save_checkpoint(path, model, optimizer, epoch)
    return best_epoch, best_acc
''', "save only when acc beats"),
    WrongAnswer("train_keep_best", ">= keeps the later of equal accuracies", _keep(compare=">="), "not `>=`"),
    WrongAnswer("train_keep_best", "lower accuracy taken as better", _keep(start='float("inf")', compare="<"),
                "a higher accuracy is better"),
    WrongAnswer("train_keep_best", "epochs counted from 0", _keep(epochs="range(num_epochs)"),
                "epochs count from 1"),
    WrongAnswer("train_keep_best", "best_acc starts at 0.0", _keep(start="0.0"), '-float("inf")'),
    WrongAnswer("train_keep_best", "evaluated before training", _keep(
        first="acc = evaluate(model)", second="train_epoch(model, optimizer)"), "then acc = evaluate(model)"),
    WrongAnswer("train_keep_best", "best = model.state_dict() kept by reference", '''
def train_keep_best(model, optimizer, num_epochs, train_epoch, evaluate, path):
    best_epoch, best_acc, best_state = 0, -float("inf"), None
    for epoch in range(1, num_epochs + 1):
        train_epoch(model, optimizer)
        acc = evaluate(model)
        if acc > best_acc:
            best_epoch, best_acc, best_state = epoch, acc, model.state_dict()
    model.load_state_dict(best_state)
    save_checkpoint(path, model, optimizer, best_epoch)
    return best_epoch, best_acc
''', "keeps references"),
]

TAMPERING = [
    Tampering("atomic_save", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('SaveSpy', 'save_checkpoint'):\n"
                      "    try:\n        setattr(_r, _n, stub)\n    except AttributeError:\n        pass\n"
                      "def atomic_save(obj, path):\n    torch.save(obj, path)\n"),
    Tampering("resume", "checks rebound in the notebook",
              "check = lambda *a, **k: None\n"
              "def resume(path, model, optimizer):\n    return 2\n"),
    Tampering("train_keep_best", "an object that equals everything",
              "class Anything(tuple):\n    def __eq__(self, other):\n        return True\n"
              "def train_keep_best(model, optimizer, num_epochs, train_epoch, evaluate, path):\n"
              "    return Anything((2, 0.7))\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("save_checkpoint", "a dict built step by step, pathlib", '''
def save_checkpoint(path, model, optimizer, epoch):
    state = dict(model=model.state_dict(), optimizer=optimizer.state_dict())
    state["epoch"] = int(epoch)
    state["rng"] = torch.random.get_rng_state()
    with open(path, "wb") as f:
        torch.save(state, f)
''', ""),
    WrongAnswer("resume", "map_location and a keyword strict", '''
def resume(path, model, optimizer):
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(ckpt["model"], strict=True)
    optimizer.load_state_dict(ckpt["optimizer"])
    torch.random.set_rng_state(ckpt["rng"])
    return int(ckpt["epoch"])
''', ""),
    WrongAnswer("load_matching", "copy_ into the model's own tensors", '''
def load_matching(model, state_dict):
    own = model.state_dict()
    missing = []
    with torch.no_grad():
        for name, tensor in own.items():
            if name in state_dict and state_dict[name].shape == tensor.shape:
                tensor.copy_(state_dict[name])
            else:
                missing.append(name)
    return missing
''', ""),
    WrongAnswer("atomic_save", "a sibling .tmp name, Path.replace", '''
from pathlib import Path
def atomic_save(obj, path):
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
''', ""),
    WrongAnswer("atomic_save", "NamedTemporaryFile(delete=False)", '''
def atomic_save(obj, path):
    folder = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as f:
        tmp = f.name
        try:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            f.close()
            os.unlink(tmp)
            raise
    os.replace(tmp, path)
''', ""),
    WrongAnswer("train_keep_best", "enumerate from 1 and best_acc None", '''
def train_keep_best(model, optimizer, num_epochs, train_epoch, evaluate, path):
    best = None
    for epoch in range(num_epochs):
        train_epoch(model, optimizer)
        acc = evaluate(model)
        if best is None or acc > best[1]:
            best = (epoch + 1, acc)
            save_checkpoint(path, model, optimizer, epoch + 1)
    return best
''', ""),
]
