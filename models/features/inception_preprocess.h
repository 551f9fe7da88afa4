#pragma once
// The two input pipelines of FID Inception-v3 implementations, from uint8 images to
// the network's float input [N, 3, 299, 299] (1-channel images are repeated to 3):
//  - tf1 (EDM, ADM, torch-fidelity, the original TF FID): TF1's legacy
//    resize_bilinear (align_corners=False, half_pixel_centers=False: src = dst * in/out)
//    on 0..255 values, then (x - 128) / 128;
//  - pytorch-fid: x / 255, F.interpolate(bilinear, align_corners=False), then 2x - 1.
#include <torch/torch.h>

#include <string>

namespace dact::models::features {

enum class InceptionPreprocess { tf1, pytorch_fid };

// "tf1" or "pytorch-fid"; anything else is std::invalid_argument.
InceptionPreprocess parse_inception_preprocess(const std::string& name);
std::string to_string(InceptionPreprocess preprocess);

inline constexpr int64_t kInceptionResolution = 299;

// TF1 tf.image.resize_bilinear with the legacy pixel mapping; float [N, C, H, W].
torch::Tensor resize_bilinear_tf1_legacy(const torch::Tensor& images, int64_t out_height, int64_t out_width);

// uint8 [N, 1 or 3, H, W] -> float32 [N, 3, 299, 299].
torch::Tensor inception_input(const torch::Tensor& images, InceptionPreprocess preprocess);

}  // namespace dact::models::features
