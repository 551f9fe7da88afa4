#pragma once
// How a source image of any size becomes the dataset's square R x R (`dact dataset
// convert --transform`). Inputs and outputs are uint8 [3, H, W].
//
// - center-crop-bilinear (the default): the central min(H, W) square, then an
//   antialiased bilinear resize (LibTorch's; none when the square is already R).
// - center-crop: EDM2's dataset_tool.py `--transform center-crop`: the central square
//   (rows (H - S) // 2 .. (H + S) // 2), then Pillow's LANCZOS resize to R x R.
// - center-crop-dhariwal: ADM's ImageNet preprocessing (guided-diffusion
//   image_datasets.py center_crop_arr, EDM2's `center-crop-dhariwal`): halve with
//   Pillow's BOX while the short side is >= 2R, scale the short side to R with Pillow's
//   BICUBIC (sizes rounded half-to-even, as Python's round), then crop the centre.
// The Pillow filters are pil_resample.h's, equal to Pillow's output within +-1.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dact::storage {

enum class ImageTransform { kCenterCropBilinear, kCenterCrop, kCenterCropDhariwal };

// The names above, the default first.
const std::vector<std::string>& image_transform_names();

// An unknown name is std::invalid_argument listing the known ones.
ImageTransform parse_image_transform(const std::string& name);

torch::Tensor apply_image_transform(ImageTransform transform, const torch::Tensor& image,
                                    int64_t resolution);

}  // namespace dact::storage
