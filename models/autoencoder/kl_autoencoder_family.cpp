#include "models/autoencoder/kl_autoencoder_family.h"

#include "models/autoencoding_model.h"

namespace dact::models {
namespace {

using autoencoder::KlAutoencoder;
using autoencoder::KlAutoencoderConfig;
using autoencoder::KlAutoencoderObjective;

// The one name eval.sampler may hold: evaluation reconstructs (see the header).
const std::vector<std::string> kAutoencoderSamplers{"reconstruct"};

class KlAutoencoderModel : public Model, public AutoencodingModel {
 public:
  KlAutoencoderModel(KlAutoencoder net, KlAutoencoderObjective objective)
      : net_(std::move(net)), objective_(objective) {}

  torch::nn::Module& module() override { return *net_; }
  ImageShape image_shape() const override { return {net_->config().in_channels, net_->config().resolution}; }
  int64_t label_dim() const override { return 0; }
  std::vector<std::string> samplers() const override { return kAutoencoderSamplers; }

  MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor&, at::Generator& generator) override {
    const autoencoder::KlAutoencoderLoss loss = autoencoder::kl_autoencoder_loss(net_, x0, objective_, generator);
    MicroBatchLoss result;  // no noise level: the autoencoder draws none
    result.loss = loss.loss;
    result.terms = {{"reconstruction", loss.reconstruction}, {"kl", loss.kl}};
    return result;
  }

  torch::Tensor sample(const torch::Tensor&, const torch::Tensor&, const SamplingOptions&,
                       const NoiseSource&) override {
    throw std::invalid_argument(
        "a kl-autoencoder reconstructs images, it does not sample them: its preview grid and metrics.jsonl show "
        "held-out images and their reconstructions");
  }

  torch::Tensor reconstruct(const torch::Tensor& images) override {
    torch::NoGradGuard no_grad;
    net_->eval();
    return net_->decode(net_->encode(images).mean);
  }

 private:
  KlAutoencoder net_;
  KlAutoencoderObjective objective_;
};

class KlAutoencoderSpec : public ModelSpec, public AutoencodingSpec {
 public:
  KlAutoencoderSpec(KlAutoencoderConfig net, KlAutoencoderObjective objective)
      : net_(std::move(net)), objective_(objective) {}

  std::unique_ptr<Model> build() const override { return kl_autoencoder_model(KlAutoencoder(net_), objective_); }
  ImageShape image_shape() const override { return {net_.in_channels, net_.resolution}; }
  int64_t label_dim() const override { return 0; }
  std::vector<std::string> samplers() const override { return kAutoencoderSamplers; }

 private:
  KlAutoencoderConfig net_;
  KlAutoencoderObjective objective_;
};

std::shared_ptr<const ModelSpec> parse_kl_autoencoder(config::ConfigReader& model, config::ConfigReader& loss) {
  KlAutoencoderConfig net;
  autoencoder::read_kl_autoencoder_arguments(model, net);
  if (net.dropout != 0) {
    throw config::ConfigError("config key '" + model.key_path("dropout") +
                              "' must be 0 for training: dropout draws from LibTorch's global generator, so a "
                              "resumed run could not repeat it");
  }
  if (net.output_channels() != net.in_channels) {
    throw config::ConfigError("config key '" + model.key_path("out_ch") + "' (" +
                              std::to_string(net.output_channels()) + ") must equal in_channels (" +
                              std::to_string(net.in_channels) + ") to reconstruct the input");
  }
  KlAutoencoderObjective objective;
  std::string distance = "l1";
  loss.optional("reconstruction", distance);
  if (distance == "l2") {
    objective.reconstruction = autoencoder::ReconstructionDistance::l2;
  } else if (distance != "l1") {
    throw config::ConfigError("config key '" + loss.key_path("reconstruction") + "' is '" + distance +
                              "' (expected l1 or l2)");
  }
  loss.optional("kl_weight", objective.kl_weight);
  if (!(objective.kl_weight >= 0)) {
    throw config::ConfigError("config key '" + loss.key_path("kl_weight") + "' must be >= 0");
  }
  return std::make_shared<KlAutoencoderSpec>(std::move(net), objective);
}

}  // namespace

const Family& kl_autoencoder_family() {
  static const Family family{"kl-autoencoder", parse_kl_autoencoder};
  return family;
}

std::unique_ptr<Model> kl_autoencoder_model(autoencoder::KlAutoencoder net,
                                            autoencoder::KlAutoencoderObjective objective) {
  return std::make_unique<KlAutoencoderModel>(std::move(net), objective);
}

}  // namespace dact::models
