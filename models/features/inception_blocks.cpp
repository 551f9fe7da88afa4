#include "models/features/inception_blocks.h"

namespace dact::models::features {
namespace {

namespace F = torch::nn::functional;

// avg_pool2d(3, stride 1, padding 1, count_include_pad=False): the FID blocks' pool.
torch::Tensor average_pool_excluding_padding(const torch::Tensor& x) {
  return F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
}

torch::Tensor max_pool_3x3_stride2(const torch::Tensor& x) {
  return F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2));
}

}  // namespace

BasicConv2dImpl::BasicConv2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel,
                                 torch::ExpandingArray<2> stride, torch::ExpandingArray<2> padding) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                       .stride(stride)
                                                       .padding(padding)
                                                       .bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(0.001)));
}

BasicConv2d basic_conv(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, torch::ExpandingArray<2> stride,
                       torch::ExpandingArray<2> padding) {
  return BasicConv2d(in, out, kernel, stride, padding);
}

torch::Tensor BasicConv2dImpl::forward(const torch::Tensor& x) { return torch::relu(bn->forward(conv->forward(x))); }

InceptionAImpl::InceptionAImpl(int64_t in, int64_t pool_features) {
  branch1x1 = register_module("branch1x1", basic_conv(in, 64, {1, 1}));
  branch5x5_1 = register_module("branch5x5_1", basic_conv(in, 48, {1, 1}));
  branch5x5_2 = register_module("branch5x5_2", basic_conv(48, 64, {5, 5}, {1, 1}, {2, 2}));
  branch3x3dbl_1 = register_module("branch3x3dbl_1", basic_conv(in, 64, {1, 1}));
  branch3x3dbl_2 = register_module("branch3x3dbl_2", basic_conv(64, 96, {3, 3}, {1, 1}, {1, 1}));
  branch3x3dbl_3 = register_module("branch3x3dbl_3", basic_conv(96, 96, {3, 3}, {1, 1}, {1, 1}));
  branch_pool = register_module("branch_pool", basic_conv(in, pool_features, {1, 1}));
}

torch::Tensor InceptionAImpl::forward(const torch::Tensor& x) {
  return torch::cat({branch1x1(x), branch5x5_2(branch5x5_1(x)), branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))),
                     branch_pool(average_pool_excluding_padding(x))},
                    1);
}

InceptionBImpl::InceptionBImpl(int64_t in) {
  branch3x3 = register_module("branch3x3", basic_conv(in, 384, {3, 3}, {2, 2}));
  branch3x3dbl_1 = register_module("branch3x3dbl_1", basic_conv(in, 64, {1, 1}));
  branch3x3dbl_2 = register_module("branch3x3dbl_2", basic_conv(64, 96, {3, 3}, {1, 1}, {1, 1}));
  branch3x3dbl_3 = register_module("branch3x3dbl_3", basic_conv(96, 96, {3, 3}, {2, 2}));
}

torch::Tensor InceptionBImpl::forward(const torch::Tensor& x) {
  return torch::cat({branch3x3(x), branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))), max_pool_3x3_stride2(x)}, 1);
}

InceptionCImpl::InceptionCImpl(int64_t in, int64_t c7) {
  branch1x1 = register_module("branch1x1", basic_conv(in, 192, {1, 1}));
  branch7x7_1 = register_module("branch7x7_1", basic_conv(in, c7, {1, 1}));
  branch7x7_2 = register_module("branch7x7_2", basic_conv(c7, c7, {1, 7}, {1, 1}, {0, 3}));
  branch7x7_3 = register_module("branch7x7_3", basic_conv(c7, 192, {7, 1}, {1, 1}, {3, 0}));
  branch7x7dbl_1 = register_module("branch7x7dbl_1", basic_conv(in, c7, {1, 1}));
  branch7x7dbl_2 = register_module("branch7x7dbl_2", basic_conv(c7, c7, {7, 1}, {1, 1}, {3, 0}));
  branch7x7dbl_3 = register_module("branch7x7dbl_3", basic_conv(c7, c7, {1, 7}, {1, 1}, {0, 3}));
  branch7x7dbl_4 = register_module("branch7x7dbl_4", basic_conv(c7, c7, {7, 1}, {1, 1}, {3, 0}));
  branch7x7dbl_5 = register_module("branch7x7dbl_5", basic_conv(c7, 192, {1, 7}, {1, 1}, {0, 3}));
  branch_pool = register_module("branch_pool", basic_conv(in, 192, {1, 1}));
}

torch::Tensor InceptionCImpl::forward(const torch::Tensor& x) {
  const torch::Tensor b7 = branch7x7_3(branch7x7_2(branch7x7_1(x)));
  const torch::Tensor b7dbl =
      branch7x7dbl_5(branch7x7dbl_4(branch7x7dbl_3(branch7x7dbl_2(branch7x7dbl_1(x)))));
  return torch::cat({branch1x1(x), b7, b7dbl, branch_pool(average_pool_excluding_padding(x))}, 1);
}

InceptionDImpl::InceptionDImpl(int64_t in) {
  branch3x3_1 = register_module("branch3x3_1", basic_conv(in, 192, {1, 1}));
  branch3x3_2 = register_module("branch3x3_2", basic_conv(192, 320, {3, 3}, {2, 2}));
  branch7x7x3_1 = register_module("branch7x7x3_1", basic_conv(in, 192, {1, 1}));
  branch7x7x3_2 = register_module("branch7x7x3_2", basic_conv(192, 192, {1, 7}, {1, 1}, {0, 3}));
  branch7x7x3_3 = register_module("branch7x7x3_3", basic_conv(192, 192, {7, 1}, {1, 1}, {3, 0}));
  branch7x7x3_4 = register_module("branch7x7x3_4", basic_conv(192, 192, {3, 3}, {2, 2}));
}

torch::Tensor InceptionDImpl::forward(const torch::Tensor& x) {
  const torch::Tensor b7x7x3 = branch7x7x3_4(branch7x7x3_3(branch7x7x3_2(branch7x7x3_1(x))));
  return torch::cat({branch3x3_2(branch3x3_1(x)), b7x7x3, max_pool_3x3_stride2(x)}, 1);
}

InceptionEImpl::InceptionEImpl(int64_t in, InceptionEPool pool) : pool_(pool) {
  branch1x1 = register_module("branch1x1", basic_conv(in, 320, {1, 1}));
  branch3x3_1 = register_module("branch3x3_1", basic_conv(in, 384, {1, 1}));
  branch3x3_2a = register_module("branch3x3_2a", basic_conv(384, 384, {1, 3}, {1, 1}, {0, 1}));
  branch3x3_2b = register_module("branch3x3_2b", basic_conv(384, 384, {3, 1}, {1, 1}, {1, 0}));
  branch3x3dbl_1 = register_module("branch3x3dbl_1", basic_conv(in, 448, {1, 1}));
  branch3x3dbl_2 = register_module("branch3x3dbl_2", basic_conv(448, 384, {3, 3}, {1, 1}, {1, 1}));
  branch3x3dbl_3a = register_module("branch3x3dbl_3a", basic_conv(384, 384, {1, 3}, {1, 1}, {0, 1}));
  branch3x3dbl_3b = register_module("branch3x3dbl_3b", basic_conv(384, 384, {3, 1}, {1, 1}, {1, 0}));
  branch_pool = register_module("branch_pool", basic_conv(in, 192, {1, 1}));
}

torch::Tensor InceptionEImpl::forward(const torch::Tensor& x) {
  const torch::Tensor b3 = branch3x3_1(x);
  const torch::Tensor b3dbl = branch3x3dbl_2(branch3x3dbl_1(x));
  const torch::Tensor pooled =
      pool_ == InceptionEPool::max ? F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(1).padding(1))
                                   : average_pool_excluding_padding(x);
  return torch::cat({branch1x1(x), torch::cat({branch3x3_2a(b3), branch3x3_2b(b3)}, 1),
                     torch::cat({branch3x3dbl_3a(b3dbl), branch3x3dbl_3b(b3dbl)}, 1), branch_pool(pooled)},
                    1);
}

}  // namespace dact::models::features
