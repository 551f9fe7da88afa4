#!/usr/bin/python3
"""Write a PyTorch module's state dict in dact's weight-interchange layout (HDF5):

    weights/<state-dict name>   one dataset per parameter and buffer, names unchanged
    input/<name>                optional example inputs (e.g. x, sigma, class_labels)
    attributes: architecture (e.g. "edm2-precond", "dit"), config (JSON constructor args)

This is the layout of ../shared/reference/edm2_precond_tiny.h5, read by
`dact model forward --weights W.h5 --input W.h5`.

Command line, three ways:
- construct `--class` (a dotted import path, e.g. training.networks_edm2.Precond, found
  via --pythonpath) from the JSON constructor arguments in --config, optionally load a
  torch.save()d state dict (or pickled module), and export it;
- or rename the tensors of a released `--checkpoint` (no Python class needed): for
  --architecture kl-autoencoder, MAR's kl16.ckpt, Stable Diffusion / LDM checkpoints and
  diffusers' AutoencoderKL (--format, see kl_autoencoder_checkpoints.py), e.g.

    export_state_dict.py --architecture kl-autoencoder --checkpoint kl16.ckpt \
        --config mar_kl16.json --out kl16.h5        # mar_kl16.json: {"preset": "mar-kl16"}

  --config is then the JSON that `dact model forward --config` reads, stored as is;
- or an EDM network pickle (NVlabs/edm: {"ema": net, ...}, e.g. edm-cifar10-32x32-cond-vp.pkl
  or a training snapshot) with --edm-pickle; unpickling needs EDM's torch_utils and dnnlib,
  so pass the root of a clone of github.com/NVlabs/edm as --edm-repo. The config (the
  constructor's keyword arguments, recorded in the pickle, plus "precond") is written to
  --config-out for `dact model forward --arch edm-precond --config`:

    export_state_dict.py --edm-pickle edm-cifar10-32x32-cond-vp.pkl --edm-repo ~/edm \
        --out vp.h5 --config-out vp.json      # architecture edm-precond, weights model.*

Inputs come from an .npz file. From Python:

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

import edm_network_pickles
import kl_autoencoder_checkpoints


def export_state_dict(module, path, architecture, config, inputs=None):
    """Writes module.state_dict() (+ inputs) to `path` atomically (temp file + rename)."""
    write_state_dict(module.state_dict(), path, architecture, config, inputs)


def write_state_dict(state_dict, path, architecture, config, inputs=None):
    """Writes the tensors of `state_dict` (+ inputs) to `path` atomically (temp file + rename)."""
    tmp = path + '.tmp'
    with h5py.File(tmp, 'w') as f:
        f.attrs['architecture'] = architecture
        f.attrs['config'] = json.dumps(config)
        for name, tensor in state_dict.items():
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


# Architectures whose released checkpoints --checkpoint renames: name -> (formats, converter).
CHECKPOINT_CONVERTERS = {
    'kl-autoencoder': (kl_autoencoder_checkpoints.FORMATS, kl_autoencoder_checkpoints.kl_autoencoder_state_dict),
}


def export_checkpoint(args, config, inputs):
    if args.architecture not in CHECKPOINT_CONVERTERS:
        raise SystemExit(f'--checkpoint: no converter for --architecture {args.architecture!r} '
                         f'(known: {", ".join(CHECKPOINT_CONVERTERS)}); use --class')
    formats, convert = CHECKPOINT_CONVERTERS[args.architecture]
    if args.format not in formats:
        raise SystemExit(f'--format {args.format!r}: {args.architecture} knows {", ".join(formats)}')
    try:
        state, dropped = convert(kl_autoencoder_checkpoints.load_checkpoint(args.checkpoint), args.format)
    except kl_autoencoder_checkpoints.CheckpointError as e:
        raise SystemExit(f'{args.checkpoint}: {e}')
    write_state_dict(state, args.out, args.architecture, config, inputs)
    if dropped:
        print(f'{args.checkpoint}: left out {", ".join(dropped)}')
    print(f'{args.out}: {len(state)} tensors')


def export_edm_pickle(args, inputs):
    try:
        net, config = edm_network_pickles.load_edm_network(args.edm_pickle, args.edm_repo, args.edm_key)
    except edm_network_pickles.EdmPickleError as e:
        raise SystemExit(f'{args.edm_pickle}: {e}')
    if args.config:
        with open(args.config) as f:
            config = json.load(f)
    export_state_dict(net, args.out, args.architecture or 'edm-precond', config, inputs)
    if args.config_out:
        tmp = args.config_out + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(config, f, indent=2)
        os.replace(tmp, args.config_out)
    print(f'{args.out}: {len(net.state_dict())} tensors of a {type(net).__name__}')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--class', dest='class_path', help='dotted path of the module class')
    source.add_argument('--checkpoint', help='a released checkpoint to rename (.ckpt, .pt, .bin, .safetensors)')
    source.add_argument('--edm-pickle', help="an EDM network pickle ({'ema': net, ...}); needs --edm-repo")
    parser.add_argument('--format', default='auto', help='checkpoint format for --checkpoint (default: auto)')
    parser.add_argument('--config', help='JSON file with the constructor arguments (--edm-pickle: optional, '
                        'replaces the recorded ones)')
    parser.add_argument('--architecture', help='architecture name stored in the file, e.g. edm2-precond '
                        '(--edm-pickle: edm-precond)')
    parser.add_argument('--edm-repo', help='root of a clone of NVlabs/edm (torch_utils, dnnlib) for --edm-pickle')
    parser.add_argument('--edm-key', default='ema', help="the pickle's entry holding the network (default: ema)")
    parser.add_argument('--config-out', help='--edm-pickle: also write the config JSON here')
    parser.add_argument('--out', required=True, help='HDF5 file to write')
    parser.add_argument('--weights', help='torch.save()d state dict or module; default: as constructed')
    parser.add_argument('--inputs', help='.npz whose arrays are stored under input/')
    parser.add_argument('--pythonpath', action='append', default=[], help='directory to import --class from')
    parser.add_argument('--seed', type=int, default=0, help='torch seed for the constructor')
    args = parser.parse_args()

    sys.path[:0] = args.pythonpath
    inputs = dict(np.load(args.inputs)) if args.inputs else None
    if args.edm_pickle:
        export_edm_pickle(args, inputs)
        return
    if not args.config or not args.architecture:
        parser.error('--config and --architecture are required with --class and --checkpoint')
    with open(args.config) as f:
        config = json.load(f)
    if args.checkpoint:
        export_checkpoint(args, config, inputs)
        return
    torch.manual_seed(args.seed)
    module = construct(args.class_path, config)
    if args.weights:
        load_weights(module, args.weights)
    export_state_dict(module, args.out, args.architecture, config, inputs)
    print(f'{args.out}: {len(module.state_dict())} tensors')


if __name__ == '__main__':
    main()
