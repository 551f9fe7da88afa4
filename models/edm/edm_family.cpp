#include "models/edm/edm_family.h"

#include <algorithm>
#include <limits>
#include <mutex>

#include "models/diffusion/edm_family_sampling.h"
#include "models/diffusion/sampler_edm.h"
#include "models/edm/edm_arguments.h"

namespace dact::models {
namespace {

using edm::EdmObjectiveConfig;
using edm::EdmPrecond;
using edm::EdmPrecondConfig;
using edm::PrecondKind;

bool has_dropout(const EdmPrecondConfig& config) {
  if (config.backbone() == edm::ModelType::song_unet) {
    return config.song_unet.dropout > 0 || config.song_unet.label_dropout > 0;
  }
  return config.dhariwal_unet.dropout > 0 || config.dhariwal_unet.label_dropout > 0;
}

// The network's dropout draws from LibTorch's default generator; seeding it from the
// micro-batch's generator keeps the loss a fixed function of that generator's seed,
// which exact resume needs.
void seed_default_generator(at::Generator& generator) {
  const auto seed = static_cast<uint64_t>(
      torch::randint(std::numeric_limits<int64_t>::max(), {1}, generator, torch::kInt64).item<int64_t>());
  at::Generator global = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(global.mutex());
  global.set_current_seed(seed);
}

class EdmModel : public Model, public PreconditionedModel {
 public:
  EdmModel(EdmPrecond net, EdmObjectiveConfig objective) : net_(std::move(net)), objective_(objective) {}

  torch::nn::Module& module() override { return *net_; }
  ImageShape image_shape() const override { return {net_->config().img_channels, net_->config().img_resolution}; }
  int64_t label_dim() const override { return net_->config().label_dim; }
  std::vector<std::string> samplers() const override { return edm_family_samplers(); }

  MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor& labels,
                               at::Generator& generator) override {
    net_->train();
    torch::Tensor class_labels;
    if (label_dim() > 0) class_labels = torch::one_hot(labels, label_dim()).to(torch::kFloat32);
    const auto D = [this, &generator](const torch::Tensor& x, const torch::Tensor& sigma,
                                      const torch::Tensor& one_hot) {
      if (has_dropout(net_->config())) seed_default_generator(generator);
      return net_->forward(x, sigma, one_hot);
    };
    const PerSampleSigmaLoss loss = edm::edm_per_sample_loss(D, x0, class_labels, objective_, generator);
    return {loss.loss, {}, "sigma", loss.sigma, loss.loss};
  }

  torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise, const SamplingOptions& options,
                       const NoiseSource& randn) override {
    SamplingOptions clipped = options;
    const EdmSamplerOptions defaults;
    if (clipped.edm.sigmas.empty()) {  // a learned schedule sets its own levels
      if (!clipped.edm.sigma_min) clipped.edm.sigma_min = std::max(defaults.sigma_min, net_->sigma_min());
      if (!clipped.edm.sigma_max) clipped.edm.sigma_max = std::min(defaults.sigma_max, net_->sigma_max());
    }
    return sample_edm_family(preconditioned_denoiser(), image_shape(), label_dim(), labels, noise, clipped, randn);
  }

  PreconditionedDenoiser preconditioned_denoiser() override {
    net_->eval();
    return [net = net_](const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels) mutable {
      return net->forward(x, sigma, labels);
    };
  }

 private:
  EdmPrecond net_;
  EdmObjectiveConfig objective_;
};

class EdmSpec : public ModelSpec {
 public:
  EdmSpec(EdmPrecondConfig net, EdmObjectiveConfig objective) : net_(std::move(net)), objective_(objective) {}

  std::unique_ptr<Model> build() const override { return edm_model(EdmPrecond(net_), objective_); }
  ImageShape image_shape() const override { return {net_.img_channels, net_.img_resolution}; }
  int64_t label_dim() const override { return net_.label_dim; }
  std::vector<std::string> samplers() const override { return edm_family_samplers(); }
  std::optional<int64_t> function_evaluations(const SamplingOptions& options) const override {
    return edm_family_function_evaluations(options);
  }

 private:
  EdmPrecondConfig net_;
  EdmObjectiveConfig objective_;
};

// EDM train.py --arch: the network keyword arguments it sets, and its default dropout.
void apply_network(const std::string& network, EdmPrecondConfig& config) {
  edm::SongUNetConfig& song = config.song_unet;
  if (network == "ddpmpp" || network == "ncsnpp") {
    config.model_type = edm::ModelType::song_unet;
    const bool ddpmpp = network == "ddpmpp";
    song.embedding_type = ddpmpp ? edm::EmbeddingType::positional : edm::EmbeddingType::fourier;
    song.encoder_type = ddpmpp ? edm::EncoderType::standard : edm::EncoderType::residual;
    song.decoder_type = edm::DecoderType::standard;
    song.channel_mult_noise = ddpmpp ? 1 : 2;
    song.resample_filter = ddpmpp ? std::vector<double>{1, 1} : std::vector<double>{1, 3, 3, 1};
    song.model_channels = 128;
    song.channel_mult = {2, 2, 2};
    song.dropout = 0.13;
  } else {
    config.model_type = edm::ModelType::dhariwal_unet;
    config.dhariwal_unet.model_channels = 192;
    config.dhariwal_unet.channel_mult = {1, 2, 3, 4};
    config.dhariwal_unet.dropout = 0.13;
  }
}

EdmObjectiveConfig read_objective(config::ConfigReader& loss, const EdmPrecondConfig& net) {
  EdmObjectiveConfig objective;
  objective.kind = net.precond;
  objective.vp = net.vp;
  objective.ve = net.ve;
  objective.sigma_data = net.edm.sigma_data;
  switch (net.precond) {
    case PrecondKind::vp:
      read_vp_schedule(loss, objective.vp);
      break;
    case PrecondKind::ve:
      read_ve_schedule(loss, objective.ve);
      break;
    case PrecondKind::edm:
      loss.optional("P_mean", objective.edm_sigma.P_mean);
      loss.optional("P_std", objective.edm_sigma.P_std);
      loss.optional("sigma_data", objective.sigma_data);
      break;
    case PrecondKind::iddpm:
      break;
  }
  return objective;
}

std::shared_ptr<const ModelSpec> parse_edm(config::ConfigReader& model, config::ConfigReader& loss) {
  EdmPrecondConfig net;
  std::string network;
  model.choice("network", network, {{"ddpmpp", "ddpmpp"}, {"ncsnpp", "ncsnpp"}, {"adm", "adm"}});
  if (!network.empty()) apply_network(network, net);
  edm::read_edm_precond_arguments(model, net);
  if (net.precond == PrecondKind::iddpm) {
    throw config::ConfigError("config key '" + model.key_path("precond") +
                              "': EDM trains no iDDPM network (training/loss.py has VP, VE and EDM losses)");
  }
  return std::make_shared<EdmSpec>(net, read_objective(loss, net));
}

}  // namespace

const Family& edm_family() {
  static const Family family{"edm-precond", parse_edm};
  return family;
}

std::unique_ptr<Model> edm_model(EdmPrecond net, EdmObjectiveConfig objective) {
  return std::make_unique<EdmModel>(std::move(net), objective);
}

}  // namespace dact::models
