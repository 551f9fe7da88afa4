"""EDM's network pickles (NVlabs/edm: training snapshots `network-snapshot-*.pkl` and the
released `edm-*.pkl`) as a state dict and the config `dact model forward --arch
edm-precond` reads.

Such a pickle is `{"ema": net, ...}` where `net` is a VPPrecond, VEPrecond, iDDPMPrecond
or EDMPrecond saved by EDM's torch_utils.persistence: the pickle carries the source code
of training/networks.py, but unpickling imports `torch_utils` and `dnnlib` from EDM's
repository, so its root must be on sys.path (export_state_dict.py --edm-repo PATH).
The persistence layer also records the constructor's keyword arguments; they become
the config, with the class name as `precond`.
"""
import pickle
import sys

PRECOND_CLASSES = ('VPPrecond', 'VEPrecond', 'iDDPMPrecond', 'EDMPrecond')


class EdmPickleError(Exception):
    pass


def load_edm_network(pickle_path, edm_repo=None, key='ema'):
    """Returns (net, config) for the network under `key` of an EDM pickle."""
    if edm_repo:
        sys.path.insert(0, edm_repo)
    try:
        with open(pickle_path, 'rb') as f:
            data = pickle.load(f)
    except ModuleNotFoundError as e:
        raise EdmPickleError(f'cannot import {e.name!r} while unpickling: EDM pickles need the root of '
                             f'a clone of NVlabs/edm (for torch_utils and dnnlib) via --edm-repo') from e
    net = data
    if isinstance(data, dict):
        if key not in data:
            raise EdmPickleError(f'no key {key!r} (keys: {", ".join(map(str, data))})')
        net = data[key]
    return net, edm_network_config(net)


def edm_network_config(net):
    """The JSON config of a persistent EDM preconditioner: its recorded keyword arguments
    plus `precond` (the class name). `use_fp16` is dropped: it only selects float16 on
    CUDA, and dact runs the network in float32 as the reference does on the CPU."""
    precond = type(net).__name__
    if precond not in PRECOND_CLASSES:
        raise EdmPickleError(f'the network is a {precond}, expected one of {", ".join(PRECOND_CLASSES)}')
    args, kwargs = getattr(net, '_init_args', None), getattr(net, '_init_kwargs', None)
    if kwargs is None:
        raise EdmPickleError(f'the {precond} has no recorded constructor arguments (not saved through '
                             f'torch_utils.persistence); pass --config with them')
    if args:
        raise EdmPickleError(f'the {precond} was constructed with positional arguments {args!r}; pass --config')
    config = {'precond': precond}
    for name, value in dict(kwargs).items():
        if name == 'use_fp16':
            continue
        config[name] = _plain(value)
    return config


def _plain(value):
    """JSON-serializable copies of tuples, numpy scalars and nested dicts."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, 'item') and callable(value.item):
        return value.item()
    return value
