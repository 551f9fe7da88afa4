#pragma once
// Decoding a source image by its content, as Pillow's Image.open does: a file is PNG
// or JPEG by its leading bytes, whatever its name says (ImageNet's train set holds a
// PNG and CMYK JPEGs named *.JPEG). The result is uint8 [3, H, W], as
// Image.open(f).convert('RGB') (png_image.h, jpeg_image.h).
#include <torch/torch.h>

#include <string>
#include <string_view>

namespace dact::storage {

// ".png" for "a/B.PNG"; "" without an extension.
std::string lowercase_extension(const std::string& name);

// Names with an image extension that Pillow (and so EDM2's dataset_tool.py) would
// open: .png, .jpg, .jpeg, and formats we refuse to decode (.bmp, .gif, .webp, .tif,
// .tiff) so that they fail loudly rather than drop out of a dataset. Any case.
bool has_image_extension(const std::string& name);

// Neither a PNG nor a JPEG, or corrupt: StorageError naming `name`.
torch::Tensor decode_image_rgb(std::string_view bytes, const std::string& name);

// The file at `path`, read whole then decoded; errors name `path`.
torch::Tensor read_image_rgb(const std::string& path);

}  // namespace dact::storage
