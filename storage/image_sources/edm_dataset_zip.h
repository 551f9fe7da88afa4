#pragma once
// The dataset ZIP of EDM / EDM2's dataset_tool.py: images (PNG, e.g.
// 00000/img00000000.png) and a dataset.json of
//   {"labels": [["00000/img00000000.png", 6], ["00000/img00000001.png", 9], ...]}
// Images are the entries with an image extension (image_decode.h), in sorted name
// order, as EDM reads them; they decode by content (PNG, or JPEG).
//
// Labels: every image needs exactly one entry, a non-negative integer; classes are
// "0" .. "<largest label>". A zip without dataset.json, or with "labels": null (how
// EDM's tool marks an unconditional dataset, e.g. FFHQ), becomes one class,
// "unlabeled". An entry naming no image of the archive, an image without an entry, a
// malformed dataset.json, or a corrupt archive is a StorageError naming the file.
#include <memory>
#include <string>

#include "storage/image_sources/image_source.h"

namespace dact::storage {

std::unique_ptr<ImageSource> open_edm_dataset_zip(const std::string& path);

}  // namespace dact::storage
