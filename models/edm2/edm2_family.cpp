#include "models/edm2/edm2_family.h"

#include "models/diffusion/edm_family_sampling.h"
#include "models/edm2/edm2_arguments.h"
#include "models/edm2/edm2_configs.h"

namespace dact::models {
namespace {

class Edm2Model : public Model, public PreconditionedModel {
 public:
  Edm2Model(Edm2Precond net, Edm2ObjectiveConfig objective) : net_(std::move(net)), objective_(objective) {}

  torch::nn::Module& module() override { return *net_; }
  ImageShape image_shape() const override {
    return {net_->config().unet.img_channels, net_->config().unet.img_resolution};
  }
  int64_t label_dim() const override { return net_->config().unet.label_dim; }
  std::vector<std::string> samplers() const override { return edm_family_samplers(); }

  MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor& labels,
                               at::Generator& generator) override {
    const PerSampleSigmaLoss loss = edm2_per_sample_loss(net_, x0, labels, objective_, generator);
    return {loss.loss, {}, "sigma", loss.sigma, loss.loss};
  }

  torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise, const SamplingOptions& options,
                       const NoiseSource& randn) override {
    return sample_edm_family(preconditioned_denoiser(), image_shape(), label_dim(), labels, noise, options, randn);
  }

  PreconditionedDenoiser preconditioned_denoiser() override {
    net_->eval();
    return [net = net_](const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels) mutable {
      return net->forward(x, sigma, labels).D;
    };
  }

 private:
  Edm2Precond net_;
  Edm2ObjectiveConfig objective_;
};

class Edm2Spec : public ModelSpec {
 public:
  Edm2Spec(Edm2PrecondConfig net, Edm2ObjectiveConfig objective) : net_(std::move(net)), objective_(objective) {}

  std::unique_ptr<Model> build() const override { return edm2_model(Edm2Precond(net_), objective_); }
  ImageShape image_shape() const override { return {net_.unet.img_channels, net_.unet.img_resolution}; }
  int64_t label_dim() const override { return net_.unet.label_dim; }
  std::vector<std::string> samplers() const override { return edm_family_samplers(); }
  std::optional<int64_t> function_evaluations(const SamplingOptions& options) const override {
    return edm_family_function_evaluations(options);
  }

 private:
  Edm2PrecondConfig net_;
  Edm2ObjectiveConfig objective_;
};

std::shared_ptr<const ModelSpec> parse_edm2(config::ConfigReader& model, config::ConfigReader& loss) {
  Edm2PrecondConfig net;
  std::string preset;
  model.optional("preset", preset);
  if (!preset.empty()) {
    try {
      net = edm2_named_config(preset);
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError("config key '" + model.key_path("preset") + "': " + e.what());
    }
  }
  read_edm2_precond_arguments(model, net);
  Edm2ObjectiveConfig objective;
  loss.optional("P_mean", objective.sigma_distribution.P_mean);
  loss.optional("P_std", objective.sigma_distribution.P_std);
  loss.optional("label_dropout", objective.label_dropout);
  return std::make_shared<Edm2Spec>(std::move(net), objective);
}

}  // namespace

const Family& edm2_family() {
  static const Family family{"edm2-precond", parse_edm2};
  return family;
}

std::unique_ptr<Model> edm2_model(Edm2Precond net, Edm2ObjectiveConfig objective) {
  return std::make_unique<Edm2Model>(std::move(net), objective);
}

}  // namespace dact::models
