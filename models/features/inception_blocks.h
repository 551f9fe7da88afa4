#pragma once
// The blocks of torchvision's inception_v3 (torchvision/models/inception.py), with its
// module and parameter names, in the FID variant of pytorch-fid (src/pytorch_fid/
// inception.py): the average pools of InceptionA/C/E_1 exclude padding
// (count_include_pad=False) and the last block (E_2) max-pools its pool branch.
#include <torch/torch.h>

namespace dact::models::features {

// conv (no bias) + BatchNorm(eps 0.001) + ReLU: `conv.weight`, `bn.*`.
class BasicConv2dImpl : public torch::nn::Module {
 public:
  BasicConv2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, torch::ExpandingArray<2> stride = {1, 1},
                  torch::ExpandingArray<2> padding = {0, 0});
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(BasicConv2d);

// BasicConv2d with braced sizes ({1, 7}), which the module holder cannot forward.
BasicConv2d basic_conv(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, torch::ExpandingArray<2> stride = {1, 1},
                       torch::ExpandingArray<2> padding = {0, 0});

// FIDInceptionA: Mixed_5b/5c/5d.
class InceptionAImpl : public torch::nn::Module {
 public:
  InceptionAImpl(int64_t in, int64_t pool_features);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  BasicConv2d branch1x1{nullptr}, branch5x5_1{nullptr}, branch5x5_2{nullptr};
  BasicConv2d branch3x3dbl_1{nullptr}, branch3x3dbl_2{nullptr}, branch3x3dbl_3{nullptr}, branch_pool{nullptr};
};
TORCH_MODULE(InceptionA);

// InceptionB (unchanged by FID): Mixed_6a, the 35x35 -> 17x17 reduction.
class InceptionBImpl : public torch::nn::Module {
 public:
  explicit InceptionBImpl(int64_t in);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  BasicConv2d branch3x3{nullptr}, branch3x3dbl_1{nullptr}, branch3x3dbl_2{nullptr}, branch3x3dbl_3{nullptr};
};
TORCH_MODULE(InceptionB);

// FIDInceptionC: Mixed_6b..6e (factorized 7x7).
class InceptionCImpl : public torch::nn::Module {
 public:
  InceptionCImpl(int64_t in, int64_t channels_7x7);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  BasicConv2d branch1x1{nullptr}, branch7x7_1{nullptr}, branch7x7_2{nullptr}, branch7x7_3{nullptr};
  BasicConv2d branch7x7dbl_1{nullptr}, branch7x7dbl_2{nullptr}, branch7x7dbl_3{nullptr}, branch7x7dbl_4{nullptr},
      branch7x7dbl_5{nullptr}, branch_pool{nullptr};
};
TORCH_MODULE(InceptionC);

// InceptionD (unchanged by FID): Mixed_7a, the 17x17 -> 8x8 reduction.
class InceptionDImpl : public torch::nn::Module {
 public:
  explicit InceptionDImpl(int64_t in);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  BasicConv2d branch3x3_1{nullptr}, branch3x3_2{nullptr};
  BasicConv2d branch7x7x3_1{nullptr}, branch7x7x3_2{nullptr}, branch7x7x3_3{nullptr}, branch7x7x3_4{nullptr};
};
TORCH_MODULE(InceptionD);

// FIDInceptionE_1 (Mixed_7b: average pool without padding) and FIDInceptionE_2
// (Mixed_7c: max pool) share their layers.
enum class InceptionEPool { average_excluding_padding, max };

class InceptionEImpl : public torch::nn::Module {
 public:
  InceptionEImpl(int64_t in, InceptionEPool pool);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  InceptionEPool pool_;
  BasicConv2d branch1x1{nullptr}, branch3x3_1{nullptr}, branch3x3_2a{nullptr}, branch3x3_2b{nullptr};
  BasicConv2d branch3x3dbl_1{nullptr}, branch3x3dbl_2{nullptr}, branch3x3dbl_3a{nullptr}, branch3x3dbl_3b{nullptr},
      branch_pool{nullptr};
};
TORCH_MODULE(InceptionE);

}  // namespace dact::models::features
