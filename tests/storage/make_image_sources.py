"""Writes the small image sources and Pillow reference outputs that
image_sources_test.cpp and image_source_convert_test.cpp check dact against.

Usage: /usr/bin/python3 make_image_sources.py OUT_DIR

OUT_DIR/
  resample/cases.json               [{"name", "op", "width", "height", "resolution"}]
  resample/<name>.src.png           the input (lossless)
  resample/<name>.expected.png      Pillow's output, the reference
  imagenet/train/<wnid>/*.JPEG      ImageNet layout: RGB, grayscale, CMYK, progressive
                                    JPEGs and a PNG named .JPEG; plus a .txt to ignore
  imagenet.json                     {"images": [relative path, ...] in dact's order,
                                     "labels": [...], "resolution": R}
  imagenet/decoded/<i>.png          Pillow's Image.open(f).convert('RGB') of image i
  imagenet/<transform>.u8           EDM2 dataset_tool.py's transform of every image,
                                    uint8 [N, R, R, 3]
  edm.zip                           EDM's dataset ZIP (PNG + dataset.json)
  edm.u8, edm.json                  its images as Pillow reads them [N, H, W, 3]; labels
  edm_*.zip                         broken variants (see below)
"""
import io
import json
import os
import sys
import zipfile

import numpy as np
import PIL.Image

R = PIL.Image.Resampling


# EDM2 dataset_tool.py's transforms, as there.
def edm2_center_crop(width, height, img):
    crop = np.min(img.shape[:2])
    img = img[(img.shape[0] - crop) // 2:(img.shape[0] + crop) // 2,
              (img.shape[1] - crop) // 2:(img.shape[1] + crop) // 2]
    img = PIL.Image.fromarray(img, 'RGB')
    img = img.resize((width, height), R.LANCZOS)
    return np.array(img)


def center_crop_dhariwal(image_size, arr):
    pil_image = PIL.Image.fromarray(arr)
    while min(*pil_image.size) >= 2 * image_size:
        new_size = tuple(x // 2 for x in pil_image.size)
        pil_image = pil_image.resize(new_size, resample=R.BOX)
    scale = image_size / min(*pil_image.size)
    new_size = tuple(round(x * scale) for x in pil_image.size)
    pil_image = pil_image.resize(new_size, resample=R.BICUBIC)
    arr = np.array(pil_image)
    crop_y = (arr.shape[0] - image_size) // 2
    crop_x = (arr.shape[1] - image_size) // 2
    return arr[crop_y:crop_y + image_size, crop_x:crop_x + image_size]


def test_image(rng, width, height):
    """Noise on a gradient: every tap of a filter matters, and so does its sign."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1),
                     (x + y) * 127 // max(width + height - 2, 1)], axis=-1)
    noise = rng.integers(-60, 61, size=(height, width, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def write_resample_cases(out, rng):
    os.makedirs(out, exist_ok=True)
    filters = {'box': R.BOX, 'bicubic': R.BICUBIC, 'lanczos': R.LANCZOS}
    cases = [
        dict(name='box_halve', op='box', src=(64, 48), width=32, height=24),
        dict(name='box_odd', op='box', src=(37, 23), width=16, height=11),
        dict(name='bicubic_down', op='bicubic', src=(37, 23), width=16, height=16),
        dict(name='bicubic_up', op='bicubic', src=(7, 5), width=19, height=13),
        dict(name='bicubic_width_only', op='bicubic', src=(30, 20), width=13, height=20),
        dict(name='lanczos_down', op='lanczos', src=(50, 30), width=12, height=12),
        dict(name='lanczos_up', op='lanczos', src=(6, 9), width=20, height=20),
        dict(name='dhariwal_wide', op='center-crop-dhariwal', src=(150, 100), resolution=32),
        dict(name='dhariwal_tall', op='center-crop-dhariwal', src=(61, 90), resolution=16),
        dict(name='dhariwal_up', op='center-crop-dhariwal', src=(20, 30), resolution=24),
        dict(name='dhariwal_big', op='center-crop-dhariwal', src=(333, 257), resolution=32),
        dict(name='edm2_wide', op='center-crop', src=(45, 30), resolution=16),
        dict(name='edm2_tall_odd', op='center-crop', src=(31, 48), resolution=8),
    ]
    for case in cases:
        src = test_image(rng, *case.pop('src'))
        PIL.Image.fromarray(src).save(f'{out}/{case["name"]}.src.png')
        if case['op'] in filters:
            result = np.array(PIL.Image.fromarray(src).resize(
                (case['width'], case['height']), filters[case['op']]))
        elif case['op'] == 'center-crop':
            result = edm2_center_crop(case['resolution'], case['resolution'], src)
        else:
            result = center_crop_dhariwal(case['resolution'], src)
        PIL.Image.fromarray(result).save(f'{out}/{case["name"]}.expected.png')
    with open(f'{out}/cases.json', 'w') as f:
        json.dump(cases, f)


def jpeg_bytes(image, **options):
    data = io.BytesIO()
    image.save(data, format='JPEG', **options)
    return data.getvalue()


def write_imagenet(out, rng, resolution=16):
    # (class, file, image, save options); names sort in this order within a class.
    rgb = PIL.Image.fromarray(test_image(rng, 40, 30))
    files = [
        ('n01440764', 'n01440764_1.JPEG', jpeg_bytes(rgb, quality=90)),
        ('n01440764', 'n01440764_2.JPEG',
         jpeg_bytes(PIL.Image.fromarray(test_image(rng, 33, 41)).convert('L'), quality=85)),
        ('n01440764', 'n01440764_3.JPEG',
         jpeg_bytes(PIL.Image.fromarray(test_image(rng, 30, 30)).convert('CMYK'), quality=90)),
        ('n01443537', 'n01443537_1.jpeg',
         jpeg_bytes(PIL.Image.fromarray(test_image(rng, 50, 36)), quality=80, progressive=True)),
    ]
    png = io.BytesIO()  # ImageNet's train set holds a PNG named .JPEG
    PIL.Image.fromarray(test_image(rng, 24, 20)).save(png, format='PNG')
    files.append(('n01443537', 'n01443537_2.JPEG', png.getvalue()))
    os.makedirs(f'{out}/decoded', exist_ok=True)
    images, labels, decoded = [], [], []
    classes = sorted({wnid for wnid, _, _ in files})
    for wnid, name, data in files:
        os.makedirs(f'{out}/train/{wnid}', exist_ok=True)
        with open(f'{out}/train/{wnid}/{name}', 'wb') as f:
            f.write(data)
        images.append(f'train/{wnid}/{name}')
        labels.append(classes.index(wnid))
        decoded.append(np.array(PIL.Image.open(f'{out}/train/{wnid}/{name}').convert('RGB')))
        PIL.Image.fromarray(decoded[-1]).save(f'{out}/decoded/{len(images) - 1}.png')
    with open(f'{out}/train/n01443537/README.txt', 'w') as f:
        f.write('not an image')
    np.stack([edm2_center_crop(resolution, resolution, d) for d in decoded]).tofile(
        f'{out}/center-crop.u8')
    np.stack([center_crop_dhariwal(resolution, d) for d in decoded]).tofile(
        f'{out}/center-crop-dhariwal.u8')
    with open(f'{out}.json', 'w') as f:
        json.dump({'images': images, 'labels': labels, 'resolution': resolution}, f)


def png_bytes(array, mode=None):
    data = io.BytesIO()
    image = PIL.Image.fromarray(array)
    (image.convert(mode) if mode else image).save(data, format='PNG', compress_level=0)
    return data.getvalue()


def write_zip(path, entries):
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, data)


def write_edm_zips(out, rng):
    count = 6
    pixels = [test_image(rng, 8, 8) for _ in range(count)]
    names = [f'{i // 4:05d}/img{i:08d}.png' for i in range(count)]
    pngs = [png_bytes(p, mode='L' if i == 2 else ('RGBA' if i == 3 else None))
            for i, p in enumerate(pixels)]
    labels = [[name, label] for name, label in zip(names, [6, 0, 2, 6, 1, 3])]
    meta = ('dataset.json', json.dumps({'labels': labels}))
    # Stored out of order, as a zip may be: EDM reads images in sorted name order.
    entries = list(zip(names, pngs))[::-1] + [meta]
    write_zip(f'{out}/edm.zip', entries)
    expected = [np.array(PIL.Image.open(io.BytesIO(png)).convert('RGB')) for png in pngs]
    np.stack(expected).tofile(f'{out}/edm.u8')
    with open(f'{out}/edm.json', 'w') as f:
        json.dump({'labels': [label for _, label in labels], 'size': 8}, f)

    write_zip(f'{out}/edm_unlabeled.zip',
              list(zip(names, pngs)) + [('dataset.json', json.dumps({'labels': None}))])
    write_zip(f'{out}/edm_missing_label.zip',
              list(zip(names, pngs)) + [('dataset.json', json.dumps({'labels': labels[:-1]}))])
    write_zip(f'{out}/edm_unknown_label.zip', list(zip(names, pngs)) + [(
        'dataset.json', json.dumps({'labels': labels + [['00001/img00000099.png', 1]]}))])
    write_zip(f'{out}/edm_not_png.zip',
              [(n, b'GIF89a, not a PNG' if i == 1 else p)
               for i, (n, p) in enumerate(zip(names, pngs))] + [meta])
    write_zip(f'{out}/edm_bad_json.zip', list(zip(names, pngs)) + [('dataset.json', '{"labels": [')])
    with open(f'{out}/edm.zip', 'rb') as f:
        whole = f.read()
    with open(f'{out}/edm_truncated.zip', 'wb') as f:
        f.write(whole[:len(whole) // 2])
    # A byte of a stored entry's data flipped: only the entry's CRC-32 can tell.
    damaged = bytearray(whole)
    damaged[whole.index(pngs[-1]) + len(pngs[-1]) // 2] ^= 0xFF
    with open(f'{out}/edm_bad_crc.zip', 'wb') as f:
        f.write(bytes(damaged))


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(2024)
    write_resample_cases(f'{out}/resample', rng)
    write_imagenet(f'{out}/imagenet', rng)
    write_edm_zips(out, rng)


if __name__ == '__main__':
    main()
