"""LDM KL-autoencoder weights from the checkpoint files users hold, renamed to the
reference state dict of MAR's models/vae.py (= LDM's AutoencoderKL): encoder.*,
decoder.*, quant_conv.*, post_quant_conv.*.

Formats (--format of export_state_dict.py; `auto` tells them apart by their keys):
  mar        MAR's kl16.ckpt: {"model": state dict}, names already the reference's.
  ldm        Stable Diffusion / LDM checkpoints: {"state_dict": {...}} or a flat dict
             (.ckpt or .safetensors). Keys under `first_stage_model.` are the autoencoder
             (the prefix is stripped, the UNet and text encoder dropped); an
             autoencoder-only LDM checkpoint (models/first_stage_models/kl-f*) has the
             reference names already, plus the `loss.*` of training, which is dropped.
  diffusers  diffusers' AutoencoderKL (diffusion_pytorch_model.{bin,safetensors}),
             renamed as diffusers' own scripts/convert_diffusers_to_original_stable_diffusion.py
             does. Exact only where diffusers computes what LDM computes: attention in the
             middle blocks alone (single head, as diffusers' VAE mid block has); an
             attention anywhere else is multi-head in diffusers and is rejected.
"""
import json
import re
import struct

import torch

AUTOENCODER_PREFIXES = ('encoder.', 'decoder.', 'quant_conv.', 'post_quant_conv.')
FORMATS = ('auto', 'mar', 'ldm', 'diffusers')

# safetensors dtype names -> torch dtypes (https://github.com/huggingface/safetensors, format spec).
SAFETENSORS_DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8,
    'BOOL': torch.bool,
}


class CheckpointError(Exception):
    """A checkpoint that is not a KL autoencoder of the named format; says what is wrong."""


def read_safetensors(path):
    """Tensors of a .safetensors file: an 8-byte little-endian header size, a JSON header
    {name: {dtype, shape, data_offsets}}, then the data (read without the safetensors package)."""
    with open(path, 'rb') as f:
        (header_size,) = struct.unpack('<Q', f.read(8))
        header = json.loads(f.read(header_size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        if entry['dtype'] not in SAFETENSORS_DTYPES:
            raise CheckpointError(f'{path}: tensor {name} has unsupported dtype {entry["dtype"]}')
        begin, end = entry['data_offsets']
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=SAFETENSORS_DTYPES[entry['dtype']]) \
            if end > begin else torch.empty(0, dtype=SAFETENSORS_DTYPES[entry['dtype']])
        tensors[name] = flat.reshape(entry['shape'])
    return tensors


def load_checkpoint(path):
    """The checkpoint's top-level object: a dict of tensors or of nested dicts."""
    if path.endswith('.safetensors'):
        return read_safetensors(path)
    return torch.load(path, map_location='cpu')


def tensors_of(mapping):
    return {name: value for name, value in mapping.items() if torch.is_tensor(value)}


def detect_format(checkpoint):
    if isinstance(checkpoint.get('model'), dict):
        return 'mar'
    state = checkpoint.get('state_dict', checkpoint)
    names = list(state) if isinstance(state, dict) else []
    if any(name.startswith('first_stage_model.') for name in names):
        return 'ldm'
    if any('.down_blocks.' in name or '.mid_block.' in name for name in names):
        return 'diffusers'
    if any(name.startswith('encoder.down.') for name in names):
        return 'ldm'
    raise CheckpointError('cannot tell the format: no model / first_stage_model. / encoder.down. / '
                          'encoder.down_blocks. keys; pass --format')


def keep_autoencoder(state, source):
    """The reference's four top-level modules; what else was there goes to `dropped`."""
    kept = {name: value for name, value in state.items() if name.startswith(AUTOENCODER_PREFIXES)}
    if not kept:
        raise CheckpointError(f'{source}: no encoder./decoder./quant_conv./post_quant_conv. tensors')
    dropped = sorted({name.split('.')[0] for name in state if name not in kept})
    return kept, dropped


def mar_state_dict(checkpoint):
    if not isinstance(checkpoint.get('model'), dict):
        raise CheckpointError('MAR format: expected {"model": state dict}')
    return keep_autoencoder(tensors_of(checkpoint['model']), 'checkpoint["model"]')


def ldm_state_dict(checkpoint):
    state = checkpoint['state_dict'] if isinstance(checkpoint.get('state_dict'), dict) else checkpoint
    state = tensors_of(state)
    prefix = 'first_stage_model.'
    if any(name.startswith(prefix) for name in state):
        others = sorted({name.split('.')[0] for name in state if not name.startswith(prefix)})
        kept, dropped = keep_autoencoder(
            {name[len(prefix):]: value for name, value in state.items() if name.startswith(prefix)}, prefix)
        return kept, others + [prefix + name for name in dropped]
    return keep_autoencoder(state, 'state dict')


# diffusers -> LDM, applied in order to each name (diffusers' conversion map, inverted).
DIFFUSERS_RESNET_PARTS = [('conv_shortcut.', 'nin_shortcut.')]
DIFFUSERS_ATTENTION_PARTS = [  # new names (diffusers >= 0.17) and the deprecated AttentionBlock's
    ('group_norm.', 'norm.'), ('to_q.', 'q.'), ('to_k.', 'k.'), ('to_v.', 'v.'), ('to_out.0.', 'proj_out.'),
    ('query.', 'q.'), ('key.', 'k.'), ('value.', 'v.'), ('proj_attn.', 'proj_out.'),
]


def diffusers_name(name, up_levels):
    """The reference name of one diffusers AutoencoderKL tensor name."""
    def replace_parts(rest, parts):
        for old, new in parts:
            if rest.startswith(old):
                return new + rest[len(old):]
        return rest

    if name.startswith(('quant_conv.', 'post_quant_conv.')):
        return name
    match = re.fullmatch(r'(encoder|decoder)\.(.*)', name)
    if not match:
        raise CheckpointError(f'diffusers tensor {name}: not under encoder., decoder., quant_conv., post_quant_conv.')
    half, rest = match.groups()
    if re.fullmatch(r'conv_(in|out)\.(weight|bias)', rest):
        return name
    if rest.startswith('conv_norm_out.'):
        return f'{half}.norm_out.' + rest[len('conv_norm_out.'):]
    match = re.fullmatch(r'down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)', rest)
    if match and half == 'encoder':
        level, block, part = match.groups()
        return f'encoder.down.{level}.block.{block}.' + replace_parts(part, DIFFUSERS_RESNET_PARTS)
    match = re.fullmatch(r'down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)', rest)
    if match and half == 'encoder':
        return f'encoder.down.{match.group(1)}.downsample.conv.{match.group(2)}'
    # diffusers lists the decoder's levels in execution order, lowest resolution first.
    match = re.fullmatch(r'up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)', rest)
    if match and half == 'decoder':
        index, block, part = match.groups()
        return f'decoder.up.{up_levels - 1 - int(index)}.block.{block}.' + replace_parts(part, DIFFUSERS_RESNET_PARTS)
    match = re.fullmatch(r'up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)', rest)
    if match and half == 'decoder':
        return f'decoder.up.{up_levels - 1 - int(match.group(1))}.upsample.conv.{match.group(2)}'
    match = re.fullmatch(r'mid_block\.resnets\.([01])\.(.*)', rest)
    if match:
        return f'{half}.mid.block_{int(match.group(1)) + 1}.' + replace_parts(match.group(2), DIFFUSERS_RESNET_PARTS)
    match = re.fullmatch(r'mid_block\.attentions\.0\.(.*)', rest)
    if match:
        part = replace_parts(match.group(1), DIFFUSERS_ATTENTION_PARTS)
        if part == match.group(1):
            raise CheckpointError(f'diffusers tensor {name}: unknown attention parameter')
        return f'{half}.mid.attn_1.' + part
    if '.attentions.' in rest:
        raise CheckpointError(f'diffusers tensor {name}: attention outside the middle block is multi-head in '
                              'diffusers (AttnDownEncoderBlock2D / AttnUpDecoderBlock2D), not LDM\'s AttnBlock')
    raise CheckpointError(f'diffusers tensor {name}: no LDM counterpart')


def diffusers_state_dict(checkpoint):
    state = checkpoint['state_dict'] if isinstance(checkpoint.get('state_dict'), dict) else checkpoint
    state = tensors_of(state)
    up_levels = len({int(m.group(1)) for m in (re.match(r'decoder\.up_blocks\.(\d+)\.', n) for n in state) if m})
    converted = {}
    for name, value in state.items():
        new_name = diffusers_name(name, up_levels)
        # diffusers' attention projections are Linear [C, C]; LDM's are 1x1 convs [C, C, 1, 1].
        if re.search(r'\.mid\.attn_1\.(q|k|v|proj_out)\.weight$', new_name) and value.dim() == 2:
            value = value.reshape(*value.shape, 1, 1)
        if new_name in converted:
            raise CheckpointError(f'diffusers tensor {name}: a second tensor for {new_name}')
        converted[new_name] = value
    return converted, []


def kl_autoencoder_state_dict(checkpoint, fmt='auto'):
    """(state dict with the reference names, names of the top-level parts dropped)."""
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'expected a dict, got {type(checkpoint).__name__}')
    fmt = detect_format(checkpoint) if fmt == 'auto' else fmt
    converters = {'mar': mar_state_dict, 'ldm': ldm_state_dict, 'diffusers': diffusers_state_dict}
    if fmt not in converters:
        raise CheckpointError(f'unknown format {fmt!r} (known: {", ".join(FORMATS)})')
    state, dropped = converters[fmt](checkpoint)
    # Half-precision releases load into dact's float32 modules unchanged in value.
    state = {name: value.float() if value.is_floating_point() and value.dtype not in (torch.float32, torch.float64)
             else value for name, value in state.items()}
    return state, dropped
