#include <cmath>

#include "models/diffusion/class_label_dropout.h"
#include "models/diffusion/flow_matching.h"
#include "models/diffusion/function_evaluations.h"
#include "models/diffusion/flow_sampler.h"
#include "models/dit/dit.h"
#include "models/dit/dit_arguments.h"
#include "models/dit/dit_families.h"

namespace dact::models {
namespace {

// DiT's timestep embedding was made for t in [0, 1000); flows feed 1000 t (as SD3 does).
constexpr double kFlowTimestepScale = 1000;

enum class FlowTimeDistribution { logit_normal, uniform };

struct FlowObjectiveConfig {
  FlowTimeDistribution time_distribution = FlowTimeDistribution::logit_normal;
  double time_mean = 0;  // SD3 Eq. 19's m
  double time_std = 1;   // SD3 Eq. 19's s
};

const std::vector<std::string> kFlowSamplers{"euler", "heun", "euler-stochastic"};

class DitFlowModel : public Model {
 public:
  DitFlowModel(const DitConfig& net, FlowObjectiveConfig objective) : net_(net), objective_(objective) {}

  torch::nn::Module& module() override { return *net_; }
  ImageShape image_shape() const override { return {net_->config().in_channels, net_->config().input_size}; }
  int64_t label_dim() const override { return net_->config().num_classes; }
  std::vector<std::string> samplers() const override { return kFlowSamplers; }

  MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor& labels,
                               at::Generator& generator) override {
    const int64_t batch = x0.size(0);
    const torch::Tensor t = objective_.time_distribution == FlowTimeDistribution::uniform
                                ? torch::rand({batch}, generator)
                                : torch::sigmoid(objective_.time_mean +
                                                 objective_.time_std * torch::randn({batch}, generator));
    const torch::Tensor eps = torch::randn(x0.sizes(), generator, x0.options());
    const DitConfig& config = net_->config();
    const torch::Tensor y = config.class_dropout_prob > 0
                                ? drop_class_indices(labels, config.class_dropout_prob, config.num_classes, generator)
                                : labels;
    const VelocityModel velocity = [&](const torch::Tensor& x_t, const torch::Tensor& times) {
      return net_->forward(x_t, times * kFlowTimestepScale, y);
    };
    const torch::Tensor loss = flow_matching_loss(velocity, x0, eps, t);
    return {loss, {}, "t", t, loss};
  }

  torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise, const SamplingOptions& options,
                       const NoiseSource& randn) override {
    const std::string sampler = resolve_sampler(kFlowSamplers, options.sampler);
    refuse_edm_sampling_options(options, "dit-flow");
    refuse_mcmc_sampling_options(options, "dit-flow");
    refuse_masked_generation_options(options, "dit-flow");
    if (options.steps < 1) throw std::invalid_argument("sampler steps must be >= 1");
    FlowSamplerOptions flow;
    flow.num_steps = options.steps;
    flow.time_shift = options.time_shift;
    flow.solver = sampler == "euler"  ? FlowSolver::euler
                  : sampler == "heun" ? FlowSolver::heun
                                      : FlowSolver::stochastic_euler;
    const ConditionalDenoiser conditional = [this](const torch::Tensor& x, double t, const torch::Tensor& y) {
      return net_->forward(x, torch::full({x.size(0)}, t * kFlowTimestepScale, x.options()), y);
    };
    const torch::Tensor null_labels = torch::full_like(labels, net_->config().num_classes);
    if (options.guidance.weight != 1.0 && net_->config().class_dropout_prob <= 0) {
      throw std::invalid_argument("guidance needs a model trained with label dropout (class_dropout_prob > 0)");
    }
    const VelocityField velocity = classifier_free_guidance(conditional, labels, null_labels, options.guidance,
                                                            [flow](double t) { return flow_progress(flow, t); });
    torch::NoGradGuard no_grad;
    net_->eval();
    return flow_sample(velocity, noise, flow, randn);
  }

 private:
  Dit net_;
  FlowObjectiveConfig objective_;
};

class DitFlowSpec : public ModelSpec {
 public:
  DitFlowSpec(DitConfig net, FlowObjectiveConfig objective) : net_(std::move(net)), objective_(objective) {}

  std::unique_ptr<Model> build() const override { return std::make_unique<DitFlowModel>(net_, objective_); }
  ImageShape image_shape() const override { return {net_.in_channels, net_.input_size}; }
  int64_t label_dim() const override { return net_.num_classes; }
  std::vector<std::string> samplers() const override { return kFlowSamplers; }
  std::optional<int64_t> function_evaluations(const SamplingOptions& options) const override {
    const bool heun = resolve_sampler(kFlowSamplers, options.sampler) == "heun";
    return with_guide_evaluations(heun ? heun_flow_evaluations(options.steps) : options.steps, options.guidance);
  }

 private:
  DitConfig net_;
  FlowObjectiveConfig objective_;
};

std::shared_ptr<const ModelSpec> parse_dit_flow(config::ConfigReader& model, config::ConfigReader& loss) {
  DitConfig net = read_dit_network(model);
  if (!model.has("learn_sigma")) net.learn_sigma = false;  // DiT's default is DDPM's
  if (net.learn_sigma) {
    throw config::ConfigError("config key '" + model.key_path("learn_sigma") +
                              "': a flow predicts a velocity, not a variance; set it false");
  }
  FlowObjectiveConfig objective;
  std::string distribution = "logit-normal";
  loss.optional("time_distribution", distribution);
  if (distribution == "uniform") {
    objective.time_distribution = FlowTimeDistribution::uniform;
  } else if (distribution != "logit-normal") {
    throw config::ConfigError("config key '" + loss.key_path("time_distribution") + "' is '" + distribution +
                              "' (expected logit-normal or uniform)");
  }
  loss.optional("time_mean", objective.time_mean);
  loss.optional("time_std", objective.time_std);
  if (!(objective.time_std > 0)) {
    throw config::ConfigError("config key '" + loss.key_path("time_std") + "' must be positive");
  }
  return std::make_shared<DitFlowSpec>(std::move(net), objective);
}

}  // namespace

const Family& dit_flow_family() {
  static const Family family{"dit-flow", parse_dit_flow};
  return family;
}

}  // namespace dact::models
