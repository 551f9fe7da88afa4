#!/usr/bin/python3
"""Write a PyTorch module's state dict in dact's weight-interchange layout (HDF5):

    weights/<state-dict name>   one dataset per parameter and buffer, names unchanged
    input/<name>                optional example inputs (e.g. x, sigma, class_labels)
    attributes: architecture (e.g. "edm2-precond", "dit"), config (JSON constructor args)

This is the layout of ../shared/reference/edm2_precond_tiny.h5, read by
`dact model forward --weights W.h5 --input W.h5`.

Command line: construct `--class` (a dotted import path, e.g.
training.networks_edm2.Precond, found via --pythonpath) from the JSON constructor
arguments in --config, optionally load a torch.save()d state dict (or pickled module),
and export it; inputs come from an .npz file. From Python:

    from export_state_dict import export_state_dict
    export_state_dict(net, 'W.h5', 'edm2-precond', config, inputs={'x': x, 'sigma': s})
"""
import argparse
import importlib
import json
import os
import sys

import h5py
import numpy as np
import torch


def export_state_dict(module, path, architecture, config, inputs=None):
    """Writes module.state_dict() (+ inputs) to `path` atomically (temp file + rename)."""
    tmp = path + '.tmp'
    with h5py.File(tmp, 'w') as f:
        f.attrs['architecture'] = architecture
        f.attrs['config'] = json.dumps(config)
        for name, tensor in module.state_dict().items():
            f.create_dataset(f'weights/{name}', data=tensor.detach().cpu().numpy())
        for name, value in (inputs or {}).items():
            value = value.detach().cpu().numpy() if torch.is_tensor(value) else np.asarray(value)
            f.create_dataset(f'input/{name}', data=value)
    os.replace(tmp, path)


def construct(class_path, config):
    module_name, _, class_name = class_path.rpartition('.')
    if not module_name:
        raise SystemExit(f'--class {class_path!r}: expected a dotted path such as training.networks_edm2.Precond')
    return getattr(importlib.import_module(module_name), class_name)(**config)


def load_weights(module, path):
    loaded = torch.load(path, map_location='cpu')
    state = loaded.state_dict() if isinstance(loaded, torch.nn.Module) else loaded
    module.load_state_dict(state)  # strict: names and shapes must match


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--class', dest='class_path', required=True, help='dotted path of the module class')
    parser.add_argument('--config', required=True, help='JSON file with the constructor arguments')
    parser.add_argument('--architecture', required=True, help='architecture name stored in the file, e.g. edm2-precond')
    parser.add_argument('--out', required=True, help='HDF5 file to write')
    parser.add_argument('--weights', help='torch.save()d state dict or module; default: as constructed')
    parser.add_argument('--inputs', help='.npz whose arrays are stored under input/')
    parser.add_argument('--pythonpath', action='append', default=[], help='directory to import --class from')
    parser.add_argument('--seed', type=int, default=0, help='torch seed for the constructor')
    args = parser.parse_args()

    sys.path[:0] = args.pythonpath
    with open(args.config) as f:
        config = json.load(f)
    torch.manual_seed(args.seed)
    module = construct(args.class_path, config)
    if args.weights:
        load_weights(module, args.weights)
    inputs = dict(np.load(args.inputs)) if args.inputs else None
    export_state_dict(module, args.out, args.architecture, config, inputs)
    print(f'{args.out}: {len(module.state_dict())} tensors')


if __name__ == '__main__':
    main()
