"""Typical wrong, hostile and right answers to notebook 11 (data pipeline)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_PNG_FOLDER = '''
class PNGFolder(Dataset):
    def __init__(self, root, transform=None):
        self.root = root
        self.paths = sorted(Path(root).glob("*/*.png"))
        self.labels = [{label} for path in self.paths]
        self.transform = transform

    def __len__(self):
        return {length}

    def __getitem__(self, index):
        image = {image}
        {apply}
        return image, self.labels[index]
'''


def _png_folder(label="int(path.parent.name)", length="len(self.paths)",
                image='Image.open(self.paths[index]).convert("L")',
                apply="if self.transform is not None:\n            image = self.transform(image)") -> str:
    return _PNG_FOLDER.format(label=label, length=length, image=image, apply=apply)


_MAKE_TRANSFORM = '''
def make_transform(mean, std, size=None):
    steps = {resize}
    steps += [{steps}]
    return transforms.Compose(steps)
'''


def _make_transform(resize="[] if size is None else [transforms.Resize(size)]",
                    steps="transforms.ToTensor(), transforms.Normalize((mean,), (std,))") -> str:
    return _MAKE_TRANSFORM.format(resize=resize, steps=steps)


_SAMPLER = '''
def balanced_sampler(labels, num_samples=None, generator=None):
    counts = torch.bincount(labels)
    weights = {weights}
    if num_samples is None:
        num_samples = {default}
    return WeightedRandomSampler(weights, {num_samples}, replacement={replacement}{generator})
'''


def _sampler(weights="1.0 / counts[labels].double()", default="len(labels)", num_samples="num_samples",
             replacement="True", generator=", generator=generator") -> str:
    return _SAMPLER.format(weights=weights, default=default, num_samples=num_samples,
                           replacement=replacement, generator=generator)


_COLLATE = '''
def pad_collate(batch):
    sequences = [sequence for sequence, _ in batch]
    X = {X}
    lengths = {lengths}
    y = {y}
    return X, lengths, y
'''


def _collate(X="torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True)",
             lengths="torch.tensor([len(s) for s in sequences])",
             y="torch.tensor([label for _, label in batch])") -> str:
    return _COLLATE.format(X=X, lengths=lengths, y=y)


_LOG = '''
def log_scalars(log_dir, tag, values):
    writer = SummaryWriter(log_dir)
    for i, value in enumerate(values{start}):
        writer.{call}
    {close}
'''


def _log(start="", call="add_scalar(tag, value, i)", close="writer.close()") -> str:
    return _LOG.format(start=start, call=call, close=close)


WRONG = [
    # Exercise 1: PNGFolder
    WrongAnswer("PNGFolder", "length = number of class folders",
                _png_folder(length="len(os.listdir(self.root))").replace(
                    "class PNGFolder", "import os\nclass PNGFolder"),
                "not the number of class folders"),
    WrongAnswer("PNGFolder", "transform stored but never applied", _png_folder(apply="pass"),
                "if self.transform is not None"),
    WrongAnswer("PNGFolder", "label left as the folder's name (a string)",
                _png_folder(label="path.parent.name"), "int(path.parent.name)"),
    WrongAnswer("PNGFolder", "label as a tensor", _png_folder(label="torch.tensor(int(path.parent.name))"),
                "not a tensor"),
    WrongAnswer("PNGFolder", "the path returned instead of the image", _png_folder(image="self.paths[index]"),
                "not the path itself"),
    WrongAnswer("PNGFolder", "image converted to RGB",
                _png_folder(image='Image.open(self.paths[index]).convert("RGB")'), "not 'RGB'"),
    WrongAnswer("PNGFolder", "image as a NumPy array",
                _png_folder(image="np.asarray(Image.open(self.paths[index]))"), "not a NumPy array"),
    WrongAnswer("PNGFolder", "labels counted by folder position, not read from the name",
                _png_folder(label="sorted(os.listdir(root)).index(path.parent.name)").replace(
                    "class PNGFolder", "import os\nclass PNGFolder"),
                "take each label from its own path's folder"),
    # Exercise 2: make_transform
    WrongAnswer("make_transform", "Normalize before ToTensor",
                _make_transform(steps="transforms.Normalize((mean,), (std,)), transforms.ToTensor()"),
                "ToTensor() first"),
    WrongAnswer("make_transform", "PILToTensor (uint8) instead of ToTensor",
                _make_transform(steps="transforms.PILToTensor(), transforms.Normalize((mean,), (std,))"),
                "PILToTensor keeps uint8"),
    WrongAnswer("make_transform", "mean and std swapped",
                _make_transform(steps="transforms.ToTensor(), transforms.Normalize((std,), (mean,))"),
                "mean and std are swapped"),
    WrongAnswer("make_transform", "statistics in pixel units (x 255)",
                _make_transform(steps="transforms.ToTensor(), "
                                      "transforms.Normalize((mean * 255,), (std * 255,))"),
                "not x 255"),
    WrongAnswer("make_transform", "no Normalize", _make_transform(steps="transforms.ToTensor()"),
                "add transforms.Normalize"),
    WrongAnswer("make_transform", "divided by 255 again after ToTensor",
                _make_transform(steps="transforms.ToTensor(), transforms.Lambda(lambda x: x / 255), "
                                      "transforms.Normalize((mean,), (std,))"),
                "divided by 255 after ToTensor"),
    WrongAnswer("make_transform", "Resize(size) even when size is None",
                _make_transform(resize="[transforms.Resize(size)]"), "size is None here"),
    WrongAnswer("make_transform", "size ignored", _make_transform(resize="[]"), "Resize(size) first"),
    # Exercise 3: balanced_sampler
    WrongAnswer("balanced_sampler", "weights = class counts (the common classes favoured)",
                _sampler(weights="counts[labels].double()"), "rare classes get large weights"),
    WrongAnswer("balanced_sampler", "one weight per class", _sampler(weights="1.0 / counts.double()"),
                "one weight per example"),
    WrongAnswer("balanced_sampler", "uniform weights", _sampler(weights="torch.ones(len(labels))"),
                "rare classes get large weights"),
    WrongAnswer("balanced_sampler", "without replacement", _sampler(replacement="False"), "replacement=True"),
    WrongAnswer("balanced_sampler", "num_samples ignored", _sampler(num_samples="len(labels)"),
                "pass num_samples on"),
    WrongAnswer("balanced_sampler", "one draw per class by default", _sampler(default="len(counts)"),
                "num_samples = len(labels)"),
    WrongAnswer("balanced_sampler", "generator not passed on", _sampler(generator=""), "pass generator on"),
    WrongAnswer("balanced_sampler", "a DataLoader returned", '''
def balanced_sampler(labels, num_samples=None, generator=None):
    weights = 1.0 / torch.bincount(labels)[labels].double()
    sampler = WeightedRandomSampler(weights, num_samples or len(labels), generator=generator)
    return DataLoader(TensorDataset(labels), batch_size=1, sampler=sampler)
''', "not a DataLoader"),
    # Exercise 4: pad_collate
    WrongAnswer("pad_collate", "torch.stack (as default_collate does)", _collate(X="torch.stack(sequences)"),
                "pad the sequences to the longest one"),
    WrongAnswer("pad_collate", "pad_sequence without batch_first",
                _collate(X="torch.nn.utils.rnn.pad_sequence(sequences)"), "batch_first=True"),
    WrongAnswer("pad_collate", "lengths measured after padding",
                _collate(lengths="torch.tensor([X.shape[1]] * len(X))"), "before padding"),
    WrongAnswer("pad_collate", "labels returned as a list", _collate(y="[label for _, label in batch]"),
                "torch.tensor([label for _, label in batch])"),
    WrongAnswer("pad_collate", "labels as floats",
                _collate(y="torch.tensor([label for _, label in batch], dtype=torch.float32)"),
                "torch.tensor([label for _, label in batch])"),
    WrongAnswer("pad_collate", "padded to a fixed length",
                _collate(X="torch.stack([torch.nn.functional.pad(s, (0, 10 - len(s))) for s in sequences])"),
                "not to a fixed length"),
    WrongAnswer("pad_collate", "padded at the front",
                _collate(X="torch.stack([torch.nn.functional.pad(s, (max(map(len, sequences)) - len(s), 0)) "
                           "for s in sequences])"),
                "at the end"),
    WrongAnswer("pad_collate", "sorted by length (order of the batch lost)", '''
def pad_collate(batch):
    batch = sorted(batch, key=lambda item: len(item[0]), reverse=True)
    sequences = [s for s, _ in batch]
    X = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True)
    return X, torch.tensor([len(s) for s in sequences]), torch.tensor([label for _, label in batch])
''', "do not sort"),
    # Exercise 5: log_scalars
    WrongAnswer("log_scalars", "writer never closed", _log(close="pass"), "close the writer"),
    WrongAnswer("log_scalars", "no global_step", _log(call="add_scalar(tag, value)"), "global_step=i"),
    WrongAnswer("log_scalars", "steps counted from 1", _log(start=", 1"), "counting from 0"),
    WrongAnswer("log_scalars", "add_scalars (sub-directories)",
                _log(call="add_scalars(tag, {'value': value}, i)"), "add_scalars (with an s)"),
    WrongAnswer("log_scalars", "tag hard-coded", _log(call='add_scalar("loss", value, i)'),
                "with the tag you were given"),
    WrongAnswer("log_scalars", "one step for all values", _log(call="add_scalar(tag, value, len(values))"),
                "global_step=i"),
]

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("log_scalars", "the checks patched",
              PATCH + "def log_scalars(log_dir, tag, values):\n    pass\n"),
    Tampering("make_transform", "checks rebound in the notebook",
              "assert_close = assert_shape = assert_dtype = check = lambda *a, **k: None\n"
              "def make_transform(mean, std, size=None):\n    return lambda img: img\n"),
    Tampering("pad_collate", "an object that equals everything",
              "class Anything(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
              "def pad_collate(batch):\n    t = torch.zeros(1).as_subclass(Anything)\n    return t, t, t\n"),
    Tampering("balanced_sampler", "a list posing as a sampler",
              "class Fake(list):\n    pass\n"
              "def balanced_sampler(labels, num_samples=None, generator=None):\n"
              "    return Fake(range(100))\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("PNGFolder", "os.walk, label read in __getitem__, a with block", '''
import os
class PNGFolder(Dataset):
    def __init__(self, root, transform=None):
        found = []
        for folder, _, files in os.walk(root):
            found += [os.path.join(folder, f) for f in files if f.endswith(".png")]
        self.files = sorted(found, key=lambda f: Path(f).parts)
        self.transform = transform

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        path = self.files[index]
        with Image.open(path) as img:
            img = img.convert("L")
        label = int(os.path.basename(os.path.dirname(path)))
        return (self.transform(img) if self.transform else img), label
''', ""),
    WrongAnswer("PNGFolder", "every image read in __init__", '''
class PNGFolder(Dataset):
    def __init__(self, root, transform=None):
        paths = sorted(Path(root).glob("*/*.png"))
        self.items = [(Image.open(p).convert("L"), int(p.parent.name)) for p in paths]
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        img, label = self.items[index]
        if self.transform:
            img = self.transform(img)
        return img, label
''', ""),
    WrongAnswer("make_transform", "torchvision.transforms.v2", '''
from torchvision.transforms import v2
def make_transform(mean, std, size=None):
    steps = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([mean], [std])]
    if size is not None:
        steps.insert(0, v2.Resize(size))
    return v2.Compose(steps)
''', ""),
    WrongAnswer("make_transform", "scalar mean and std, if/else", '''
def make_transform(mean, std, size=None):
    if size is None:
        return transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    return transforms.Compose([transforms.Resize(size), transforms.ToTensor(), '''
    '''transforms.Normalize(mean, std)])
''', ""),
    WrongAnswer("balanced_sampler", "per-class weights looked up, a list of floats", '''
def balanced_sampler(labels, num_samples=None, generator=None):
    counts = torch.bincount(labels).tolist()
    weights = [1 / counts[int(c)] for c in labels]
    return WeightedRandomSampler(weights, num_samples=num_samples or len(weights), generator=generator)
''', ""),
    WrongAnswer("balanced_sampler", "weights normalised to sum to 1", '''
def balanced_sampler(labels, num_samples=None, generator=None):
    class_weight = 1.0 / torch.bincount(labels).float()
    weights = class_weight[labels]
    weights = weights / weights.sum()
    n = len(labels) if num_samples is None else num_samples
    return WeightedRandomSampler(weights, n, replacement=True, generator=generator)
''', ""),
    WrongAnswer("pad_collate", "zeros and copies, zip(*batch)", '''
def pad_collate(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([s.shape[0] for s in sequences], dtype=torch.long)
    X = torch.zeros(len(sequences), int(lengths.max()))
    for row, s in enumerate(sequences):
        X[row, :len(s)] = s
    return X, lengths, torch.tensor(labels, dtype=torch.long)
''', ""),
    WrongAnswer("log_scalars", "explicit close in finally, float values", '''
def log_scalars(log_dir, tag, values):
    writer = SummaryWriter(log_dir=log_dir)
    try:
        for step in range(len(values)):
            writer.add_scalar(tag, float(values[step]), global_step=step)
    finally:
        writer.close()
''', ""),
    WrongAnswer("log_scalars", "flush, then close", '''
def log_scalars(log_dir, tag, values):
    writer = SummaryWriter(log_dir)
    for i, v in enumerate(values):
        writer.add_scalar(tag=tag, scalar_value=v, global_step=i)
    writer.flush()
    writer.close()
''', ""),
]
