#!/usr/bin/python3
"""EDM network pickles, as NVlabs/edm's training loop writes them, for
edm_pickle_export_test.cpp, without network access to the EDM repository.

EDM pickles `{"ema": net, "loss_fn": ..., "augment_pipe": ..., "dataset_kwargs": ...}`
through torch_utils.persistence: each persistent object is pickled as
`_reconstruct_persistent_obj(meta)` with meta = {type: 'class', version: 6, module_src:
the source of its module, class_name, state}, and the constructor's arguments ride
along in the state (`_init_args`, `_init_kwargs`). Unpickling imports
torch_utils.persistence (which imports dnnlib) and executes module_src in a fresh
module. This script writes DIR/edm_repo/{torch_utils,dnnlib} restating that protocol
(the parts EDM's pickles use), and pickles stand-ins of EDM's preconditioners: a
persistent class named like the reference (VPPrecond, VEPrecond, EDMPrecond), built with
the reference file's keyword arguments, whose module tree holds the reference file's
tensors under the reference names. The network math is not restated here; the parity
tests pin it against the original code's outputs.

Writes, for each case <name> (ddpmpp_vp, ncsnpp_ve, adm_edm of tests/reference):
    DIR/edm_repo/             what --edm-repo points at
    DIR/<name>.pkl            the pickle
The module source of the stand-ins lives only inside the pickles.

    edm_pickle_reference.py REFERENCE_DIR DIR
"""
import json
import os
import pickle
import sys

import h5py
import torch

PERSISTENCE = '''
"""Restates the pickling protocol of NVlabs/edm torch_utils/persistence.py (version 6)."""
import copy
import inspect
import sys
import types
import uuid

import dnnlib

_version = 6
_module_to_src_dict = dict()
_src_to_module_dict = dict()


def persistent_class(orig_class):
    if getattr(orig_class, '_is_persistent_decorator', False):
        return orig_class
    orig_module = sys.modules[orig_class.__module__]
    orig_module_src = _module_to_src(orig_module)

    class Decorator(orig_class):
        _is_persistent_decorator = True
        _orig_module_src = orig_module_src
        _orig_class_name = orig_class.__name__

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._init_args = copy.deepcopy(args)
            self._init_kwargs = copy.deepcopy(kwargs)

        @property
        def init_kwargs(self):
            return dnnlib.EasyDict(copy.deepcopy(self._init_kwargs))

        def __reduce__(self):
            fields = list(super().__reduce__())
            fields += [None] * max(3 - len(fields), 0)
            if fields[0] is not _reconstruct_persistent_obj:
                meta = dict(type='class', version=_version, module_src=self._orig_module_src,
                            class_name=self._orig_class_name, state=fields[2])
                fields[0] = _reconstruct_persistent_obj
                fields[1] = (meta,)
                fields[2] = None
            return tuple(fields)

    Decorator.__name__ = orig_class.__name__
    Decorator.__module__ = orig_class.__module__
    return Decorator


def _reconstruct_persistent_obj(meta):
    meta = dnnlib.EasyDict(meta)
    meta.state = dnnlib.EasyDict(meta.state)
    assert meta.version == _version
    module = _src_to_module(meta.module_src)
    assert meta.type == 'class'
    decorator_class = persistent_class(module.__dict__[meta.class_name])
    obj = decorator_class.__new__(decorator_class)
    setstate = getattr(obj, '__setstate__', None)
    if callable(setstate):
        setstate(meta.state)
    else:
        obj.__dict__.update(meta.state)
    return obj


def _module_to_src(module):
    src = _module_to_src_dict.get(module, None)
    if src is None:
        src = inspect.getsource(module)
        _module_to_src_dict[module] = src
        _src_to_module_dict[src] = module
    return src


def _src_to_module(src):
    module = _src_to_module_dict.get(src, None)
    if module is None:
        module_name = '_imported_module_' + uuid.uuid4().hex
        module = types.ModuleType(module_name)
        sys.modules[module_name] = module
        _module_to_src_dict[module] = src
        _src_to_module_dict[src] = module
        exec(src, module.__dict__)
    return module
'''

DNNLIB = '''
class EasyDict(dict):
    """dnnlib.EasyDict: a dict whose items are also attributes."""
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]
'''

# The stand-in network module: its source is what the pickles carry.
NETWORKS = '''
import torch
from torch_utils import persistence


class _Preconditioner(torch.nn.Module):
    """Holds tensors under dotted state-dict names; constructed with EDM's keyword arguments."""
    def __init__(self, **kwargs):
        super().__init__()
        self.img_resolution = kwargs['img_resolution']
        self.img_channels = kwargs['img_channels']
        self.label_dim = kwargs.get('label_dim', 0)

    def set_tensor(self, name, tensor, buffer):
        *path, leaf = name.split('.')
        module = self
        for part in path:
            if part not in module._modules:
                module.add_module(part, torch.nn.Module())
            module = module._modules[part]
        if buffer:
            module.register_buffer(leaf, tensor.clone())
        else:
            module.register_parameter(leaf, torch.nn.Parameter(tensor.clone()))


@persistence.persistent_class
class VPPrecond(_Preconditioner):
    pass


@persistence.persistent_class
class VEPrecond(_Preconditioner):
    pass


@persistence.persistent_class
class EDMPrecond(_Preconditioner):
    pass
'''

BUFFERS = ('resample_filter', 'freqs', 'u')
CASES = ('ddpmpp_vp', 'ncsnpp_ve', 'adm_edm')


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def main():
    reference_dir, out_dir = sys.argv[1:3]
    repo = os.path.join(out_dir, 'edm_repo')
    write(os.path.join(repo, 'torch_utils', '__init__.py'), '')
    write(os.path.join(repo, 'torch_utils', 'persistence.py'), PERSISTENCE)
    write(os.path.join(repo, 'dnnlib', '__init__.py'), DNNLIB)
    source = os.path.join(out_dir, 'standin_source')
    write(os.path.join(source, 'edm_standin_networks.py'), NETWORKS)
    sys.path[:0] = [repo, source]
    import edm_standin_networks

    for case in CASES:
        with h5py.File(os.path.join(reference_dir, f'edm_{case}_tiny.h5'), 'r') as f:
            kwargs = json.loads(f.attrs['config'])
            precond = kwargs.pop('precond')
            kwargs['use_fp16'] = False  # as EDM's train.py passes it
            net = getattr(edm_standin_networks, precond)(**kwargs)
            for name, dataset in f['weights'].items():
                net.set_tensor(name, torch.from_numpy(dataset[()]), name.rsplit('.', 1)[-1] in BUFFERS)
        data = dict(ema=net, loss_fn=None, augment_pipe=None, dataset_kwargs=dict(resolution=kwargs['img_resolution']))
        with open(os.path.join(out_dir, f'{case}.pkl'), 'wb') as f:
            pickle.dump(data, f)
    # The exporter must not find the stand-in module's file: the pickles carry its source.
    os.remove(os.path.join(source, 'edm_standin_networks.py'))


if __name__ == '__main__':
    main()
