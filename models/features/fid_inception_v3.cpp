#include "models/features/fid_inception_v3.h"

#include <algorithm>
#include <vector>

#include "models/features/inception_blocks.h"
#include "models/state_dict.h"
#include "storage/storage_error.h"

namespace dact::models::features {
namespace {

namespace F = torch::nn::functional;

class FidInceptionV3Impl : public torch::nn::Module {
 public:
  explicit FidInceptionV3Impl(int64_t num_classes) {
    Conv2d_1a_3x3 = register_module("Conv2d_1a_3x3", basic_conv(3, 32, {3, 3}, {2, 2}));
    Conv2d_2a_3x3 = register_module("Conv2d_2a_3x3", basic_conv(32, 32, {3, 3}));
    Conv2d_2b_3x3 = register_module("Conv2d_2b_3x3", basic_conv(32, 64, {3, 3}, {1, 1}, {1, 1}));
    Conv2d_3b_1x1 = register_module("Conv2d_3b_1x1", basic_conv(64, 80, {1, 1}));
    Conv2d_4a_3x3 = register_module("Conv2d_4a_3x3", basic_conv(80, 192, {3, 3}));
    Mixed_5b = register_module("Mixed_5b", InceptionA(192, 32));
    Mixed_5c = register_module("Mixed_5c", InceptionA(256, 64));
    Mixed_5d = register_module("Mixed_5d", InceptionA(288, 64));
    Mixed_6a = register_module("Mixed_6a", InceptionB(288));
    Mixed_6b = register_module("Mixed_6b", InceptionC(768, 128));
    Mixed_6c = register_module("Mixed_6c", InceptionC(768, 160));
    Mixed_6d = register_module("Mixed_6d", InceptionC(768, 160));
    Mixed_6e = register_module("Mixed_6e", InceptionC(768, 192));
    Mixed_7a = register_module("Mixed_7a", InceptionD(768));
    Mixed_7b = register_module("Mixed_7b", InceptionE(1280, InceptionEPool::average_excluding_padding));
    Mixed_7c = register_module("Mixed_7c", InceptionE(2048, InceptionEPool::max));
    fc = register_module("fc", torch::nn::Linear(2048, num_classes));
  }

  // [N, 3, 299, 299] preprocessed -> pool3 [N, 2048] (pytorch-fid's block 3 output).
  torch::Tensor pool3(const torch::Tensor& input) {
    const auto max_pool = [](const torch::Tensor& x) { return F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2)); };
    torch::Tensor x = Conv2d_2b_3x3(Conv2d_2a_3x3(Conv2d_1a_3x3(input)));
    x = Conv2d_4a_3x3(Conv2d_3b_1x1(max_pool(x)));
    x = Mixed_5d(Mixed_5c(Mixed_5b(max_pool(x))));
    x = Mixed_6e(Mixed_6d(Mixed_6c(Mixed_6b(Mixed_6a(x)))));
    x = Mixed_7c(Mixed_7b(Mixed_7a(x)));
    return x.mean({2, 3});  // adaptive_avg_pool2d to 1x1
  }

  BasicConv2d Conv2d_1a_3x3{nullptr}, Conv2d_2a_3x3{nullptr}, Conv2d_2b_3x3{nullptr}, Conv2d_3b_1x1{nullptr},
      Conv2d_4a_3x3{nullptr};
  InceptionA Mixed_5b{nullptr}, Mixed_5c{nullptr}, Mixed_5d{nullptr};
  InceptionB Mixed_6a{nullptr};
  InceptionC Mixed_6b{nullptr}, Mixed_6c{nullptr}, Mixed_6d{nullptr}, Mixed_6e{nullptr};
  InceptionD Mixed_7a{nullptr};
  InceptionE Mixed_7b{nullptr}, Mixed_7c{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(FidInceptionV3);

class InceptionFeatureNetwork : public FeatureNetwork {
 public:
  InceptionFeatureNetwork(FidInceptionV3 net, InceptionPreprocess preprocess, std::string name)
      : net_(std::move(net)), preprocess_(preprocess), name_(std::move(name)) {
    net_->eval();
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::NoGradGuard no_grad;
    // Chunks bound the 299x299 activations' memory; rows are independent in eval mode.
    constexpr int64_t kChunk = 16;
    std::vector<torch::Tensor> out;
    for (int64_t begin = 0; begin < images.size(0); begin += kChunk) {
      const torch::Tensor chunk = images.slice(0, begin, std::min(begin + kChunk, images.size(0)));
      out.push_back(net_->pool3(inception_input(chunk, preprocess_)));
    }
    if (out.empty()) return torch::empty({0, dim()}, torch::kFloat32);
    return torch::cat(out);
  }
  int64_t dim() const override { return 2048; }
  std::string name() const override { return name_; }

 private:
  FidInceptionV3 net_;
  InceptionPreprocess preprocess_;
  std::string name_;
};

}  // namespace

std::unique_ptr<FeatureNetwork> make_fid_inception_v3(const std::map<std::string, torch::Tensor>& weights,
                                                      InceptionPreprocess preprocess, const std::string& source,
                                                      const std::string& weights_hash) {
  const auto fc = weights.find("fc.weight");
  if (fc == weights.end() || fc->second.dim() != 2) {
    throw storage::StorageError(source, "Inception-v3 weights need tensor 'weights/fc.weight' [classes, 2048]");
  }
  FidInceptionV3 net(fc->second.size(0));
  try {
    load_state_dict(*net, weights);
  } catch (const StateDictError& e) {
    throw storage::StorageError(source, std::string("Inception-v3 weights: ") + e.what());
  }
  return std::make_unique<InceptionFeatureNetwork>(
      std::move(net), preprocess,
      std::string(kInceptionV3Architecture) + "/" + to_string(preprocess) + "@" + weights_hash);
}

}  // namespace dact::models::features
