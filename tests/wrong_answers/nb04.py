"""Typical wrong, hostile and right answers to notebook 04 (softmax regression with nn)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_NET = '''
def softmax_net(num_inputs=784, num_outputs=10):
    net = nn.Sequential({layers})
    {init}
    return net
'''
_LAYERS = "nn.Flatten(), nn.Linear(num_inputs, num_outputs)"
_INIT = "nn.init.normal_(net[1].weight, mean=0.0, std=0.01)\n    nn.init.zeros_(net[1].bias)"


def _net(layers=_LAYERS, init=_INIT) -> str:
    return _NET.format(layers=layers, init=init)


_CE = '''
def cross_entropy(O, y, reduction="mean", label_smoothing=0.0):
    lse = {lse}
    losses = lse - {picked}
    if label_smoothing:
        losses = {smooth}
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return {mean}
'''


def _ce(lse="torch.logsumexp(O, dim=1)", picked="O.gather(1, y.reshape(-1, 1)).squeeze(1)",
        smooth="(1 - label_smoothing) * losses + label_smoothing * (lse - O.mean(dim=1))",
        mean="losses.mean()") -> str:
    return _CE.format(lse=lse, picked=picked, smooth=smooth, mean=mean)


_TRAIN = '''
def train_softmax(net, train_iter, lr, num_epochs):
    loss = {loss}
    optimizer = torch.optim.SGD(net.parameters(), {lr})
    epoch_losses = []
    for epoch in range(num_epochs):
        total, count = 0.0, 0
        for X, y in train_iter:
            l = loss(net(X), y)
            {calls}
            total += {add}
            count += len(y)
        {report}
    return epoch_losses
'''
_CALLS = {"zero": "optimizer.zero_grad()", "backward": "l.backward()", "step": "optimizer.step()",
          "backward/n": "(l / len(y)).backward()"}


def _train(loss="nn.CrossEntropyLoss()", lr="lr=lr", calls=("zero", "backward", "step"),
           add="l.item() * len(y)", report="epoch_losses.append(total / count)") -> str:
    return _TRAIN.format(loss=loss, lr=lr, calls="\n            ".join(_CALLS[c] for c in calls), add=add,
                         report=report)


_CM = '''
def confusion_matrix(y_true, y_pred, num_classes=10):
    {body}
'''


def _cm(body: str) -> str:
    return _CM.format(body=body)


WRONG = [
    # Exercise 1: softmax_net
    WrongAnswer("softmax_net", "no nn.Flatten: nn.Linear gets images",
                _net(layers="nn.Linear(num_inputs, num_outputs)",
                     init="nn.init.normal_(net[0].weight, std=0.01)\n    nn.init.zeros_(net[0].bias)"),
                "nn.Flatten()"),
    WrongAnswer("softmax_net", "a softmax at the end of the model",
                _net(layers=_LAYERS + ", nn.Softmax(dim=1)"), "no nn.Softmax"),
    WrongAnswer("softmax_net", "no initialisation (nn.Linear's own start)", _net(init="pass"),
                "net.apply(init_weights)"),
    WrongAnswer("softmax_net", "the variance 0.01**2 as std",
                _net(init=_INIT.replace("std=0.01", "std=0.01 ** 2")), "not the variance"),
    WrongAnswer("softmax_net", "the deprecated nn.init.normal, without _",
                _net(init=_INIT.replace("nn.init.normal_(", "nn.init.normal(")), "nn.init.normal_"),
    WrongAnswer("softmax_net", "inputs and outputs swapped in nn.Linear",
                _net(layers="nn.Flatten(), nn.Linear(num_outputs, num_inputs)"), "inputs first"),
    WrongAnswer("softmax_net", "bias drawn like the weight",
                _net(init="nn.init.normal_(net[1].weight, std=0.01)\n"
                          "    nn.init.normal_(net[1].bias, std=0.01)"),
                "zeros_"),
    WrongAnswer("softmax_net", "the whole batch flattened into one row",
                _net(layers="nn.Flatten(0), nn.Linear(num_inputs, num_outputs)"), "flatten each image"),
    # Exercise 2: cross_entropy
    WrongAnswer("cross_entropy", "log of softmax",
                _ce(lse="0.0",
                    picked="torch.log(torch.softmax(O, dim=1)).gather(1, y.reshape(-1, 1)).squeeze(1)",
                    smooth="losses"), "log(softmax(O))"),
    WrongAnswer("cross_entropy", "log-sum-exp without the max (overflow)",
                _ce(lse="O.exp().sum(dim=1).log()"), "overflows"),
    WrongAnswer("cross_entropy", "sum for the default mean", _ce(mean="losses.sum()"), ".mean(), not .sum()"),
    WrongAnswer("cross_entropy", "gather's column not squeezed", _ce(picked="O.gather(1, y.reshape(-1, 1))"),
                ".squeeze(1)"),
    WrongAnswer("cross_entropy", "log-sum-exp over the examples (dim=0)",
                _ce(lse="torch.logsumexp(O, dim=0)"), "dim=1"),
    WrongAnswer("cross_entropy", "label smoothing ignored", _ce(smooth="losses"),
                "eps/q goes to every class"),
    WrongAnswer("cross_entropy", "label smoothing spread over the other classes only",
                _ce(smooth="(1 - label_smoothing) * losses + label_smoothing / (O.shape[1] - 1) * "
                           "((lse[:, None] - O).sum(dim=1) - losses)"), "not eps/(q - 1)"),
    # Exercise 3: train_softmax
    WrongAnswer("train_softmax", "zero_grad never called", _train(calls=("backward", "step")), "piled up"),
    WrongAnswer("train_softmax", "step before backward", _train(calls=("step", "zero", "backward")),
                "previous minibatch"),
    WrongAnswer("train_softmax", "mean loss divided again by the batch size (double scaling)",
                _train(calls=("zero", "backward/n", "step")), "already averages"),
    WrongAnswer("train_softmax", "summed loss", _train(loss='nn.CrossEntropyLoss(reduction="sum")'),
                "reduction='mean'"),
    WrongAnswer("train_softmax", "learning rate hard-coded", _train(lr="lr=0.1"),
                "learning rate you were given"),
    WrongAnswer("train_softmax", "the notes' loss report: l.item() added, divided by n",
                _train(add="l.item()"), "l.item() is already the mean"),
    WrongAnswer("train_softmax", "mean of the minibatch means",
                _train(add="l.item()", report="epoch_losses.append(total / len(train_iter))"),
                "over-weights"),
    WrongAnswer("train_softmax", "one loss per minibatch", _train(report="pass").replace(
        "count += len(y)", "count += len(y)\n            epoch_losses.append(l.item())"),
                "one mean loss per epoch"),
    # Exercise 4: confusion_matrix
    WrongAnswer("confusion_matrix", "rows and columns swapped", _cm(
        "return torch.bincount(num_classes * y_pred + y_true, minlength=num_classes ** 2)"
        ".reshape(num_classes, num_classes)"),
                "rows are the true classes"),
    WrongAnswer("confusion_matrix", "C[y_true, y_pred] += 1 (repeated pairs counted once)", _cm(
        "C = torch.zeros(num_classes, num_classes, dtype=torch.long)\n"
        "    C[y_true, y_pred] += 1\n    return C"),
                "adds 1 only once"),
    WrongAnswer("confusion_matrix", "float counts from torch.zeros", _cm(
        "C = torch.zeros(num_classes, num_classes)\n    for t, p in zip(y_true, y_pred):\n"
        "        C[t, p] += 1\n    return C"),
                "dtype=torch.long"),
    WrongAnswer("confusion_matrix", "bincount without minlength", _cm(
        "return torch.bincount(num_classes * y_true + y_pred).reshape(num_classes, num_classes)"),
                "minlength"),
]

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("train_softmax", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('SGDReplay', 'RecordedMinibatches', 'softmax_net'):\n"
                      "    try:\n        setattr(_r, _n, stub)\n    except AttributeError:\n        pass\n"
                      "def train_softmax(net, train_iter, lr, num_epochs):\n    return [0.0]\n"),
    Tampering("cross_entropy", "checks rebound in the notebook",
              "assert_close = assert_shape = check = lambda *a, **k: None\n"
              "def cross_entropy(O, y, reduction='mean', label_smoothing=0.0):\n"
              "    return torch.tensor(0.0)\n"),
    Tampering("confusion_matrix", "a tensor subclass that equals everything",
              "class Anything(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
              "def confusion_matrix(y_true, y_pred, num_classes=10):\n"
              "    return torch.zeros(num_classes, num_classes, dtype=torch.long).as_subclass(Anything)\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("softmax_net", "the notes' OrderedDict and init.constant_", '''
from collections import OrderedDict
from torch.nn import init
def softmax_net(num_inputs=784, num_outputs=10):
    net = nn.Sequential(OrderedDict([("flatten", nn.Flatten()), '''
    '''("linear", nn.Linear(num_inputs, num_outputs))]))
    init.normal_(net.linear.weight, mean=0, std=0.01)
    init.constant_(net.linear.bias, val=0)
    return net
''', ""),
    WrongAnswer("softmax_net", "the notes' FlattenLayer and apply with a lambda", '''
class FlattenLayer(nn.Module):
    def forward(self, x):
        return x.reshape(x.shape[0], -1)
def softmax_net(num_inputs=784, num_outputs=10):
    net = nn.Sequential(FlattenLayer(), nn.Linear(num_inputs, num_outputs))
    net.apply(lambda m: (nn.init.normal_(m.weight, std=0.01), nn.init.zeros_(m.bias)) '''
    '''if type(m) == nn.Linear else None)
    return net
''', ""),
    WrongAnswer("cross_entropy", "max trick, log_softmax by hand, a one-hot target", '''
def cross_entropy(O, y, reduction="mean", label_smoothing=0.0):
    shifted = O - O.max(dim=1, keepdim=True).values
    log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    q = O.shape[1]
    target = F.one_hot(y, q).to(O.dtype) * (1 - label_smoothing) + label_smoothing / q
    losses = -(target * log_p).sum(dim=1)
    return {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]
''', ""),
    WrongAnswer("cross_entropy", "F.log_softmax and arange indexing", '''
def cross_entropy(O, y, reduction="mean", label_smoothing=0.0):
    log_p = F.log_softmax(O, dim=1)
    nll = -log_p[torch.arange(len(y)), y]
    smooth = -log_p.mean(dim=1)
    losses = (1 - label_smoothing) * nll + label_smoothing * smooth
    if reduction == "sum":
        return losses.sum()
    return losses if reduction == "none" else losses.sum() / len(y)
''', ""),
    WrongAnswer("train_softmax", "zero_grad after step, F.cross_entropy, float(l) * X.shape[0]", '''
def train_softmax(net, train_iter, lr, num_epochs):
    trainer = torch.optim.SGD(net.parameters(), lr)
    history = []
    for _ in range(num_epochs):
        acc = helpers.Accumulator(2)
        for X, y in train_iter:
            l = F.cross_entropy(net(X), y)
            l.backward()
            trainer.step()
            trainer.zero_grad()
            acc.add(float(l) * X.shape[0], X.shape[0])
        history.append(acc[0] / acc[1])
    return history
''', ""),
    WrongAnswer("confusion_matrix", "index_put_ with accumulate", '''
def confusion_matrix(y_true, y_pred, num_classes=10):
    C = torch.zeros((num_classes, num_classes), dtype=torch.int64)
    C.index_put_((y_true, y_pred), torch.ones(len(y_true), dtype=torch.int64), accumulate=True)
    return C
''', ""),
    WrongAnswer("confusion_matrix", "a Python loop over the pairs", '''
def confusion_matrix(y_true, y_pred, num_classes=10):
    C = torch.zeros(num_classes, num_classes, dtype=torch.long)
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        C[t, p] += 1
    return C
''', ""),
]
