#include "models/mar/mar_family.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "models/diffusion/ddpm_diffusion.h"
#include "models/mar/mar.h"
#include "models/mar/mar_masking.h"

namespace dact::models {
namespace {

const std::vector<std::string> kMarSamplers{"ddpm"};
constexpr int64_t kDefaultNumIter = 64;  // MAR's; capped at the token count

// [n, m, C] -> [n * copies * m, C]: each sample's rows repeated `copies` times in a block.
torch::Tensor repeat_per_sample(const torch::Tensor& x, int64_t copies) {
  return x.unsqueeze(1).expand({x.size(0), copies, x.size(1), x.size(2)}).reshape({-1, x.size(2)});
}

class MarModel : public Model {
 public:
  MarModel(const MarConfig& net, const DdpmConfig& diffusion)
      : net_(net), diffusion_config_(diffusion), diffusion_(diffusion) {}

  torch::nn::Module& module() override { return *net_; }
  ImageShape image_shape() const override { return {config().vae_embed_dim, config().latent_side()}; }
  int64_t label_dim() const override { return config().class_num; }
  std::vector<std::string> samplers() const override { return kMarSamplers; }

  MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor& labels,
                               at::Generator& generator) override {
    const MarConfig& c = config();
    const int64_t n = x0.size(0), seq = c.seq_len(), channels = c.token_embed_dim();
    const torch::Tensor tokens = net_->patchify(x0);
    const torch::Tensor orders = random_orders(n, seq, generator);
    const auto num_masked = static_cast<int64_t>(std::ceil(seq * draw_mask_ratio(c.mask_ratio_min, generator)));
    const torch::Tensor mask = mask_by_order(orders, num_masked).to(x0.scalar_type());
    const torch::Tensor dropped = torch::rand({n}, generator, torch::kFloat64) < c.label_drop_prob;
    const torch::Tensor z =
        net_->forward_mae_decoder(net_->forward_mae_encoder(tokens, mask, net_->class_embedding(labels, dropped)), mask);
    // The reference runs DiffLoss on every token and zeroes the unmasked ones' loss; the
    // masked ones alone give the same loss and gradients.
    const torch::Tensor masked = mask.to(torch::kBool);
    const torch::Tensor target =
        repeat_per_sample(tokens.index({masked}).reshape({n, num_masked, channels}), c.diffusion_batch_mul);
    const torch::Tensor condition =
        repeat_per_sample(z.index({masked}).reshape({n, num_masked, z.size(2)}), c.diffusion_batch_mul);
    const torch::Tensor t = torch::randint(0, diffusion_.num_timesteps(), {target.size(0)}, generator);
    const torch::Tensor noise = torch::randn(target.sizes(), generator, target.options());
    const DdpmModel model = [&](const torch::Tensor& x_t, const torch::Tensor& timesteps) {
      return net_->diffloss->net->forward(x_t, timesteps.to(x_t.scalar_type()), condition);
    };
    const DdpmLosses losses = diffusion_.training_losses(model, target, t, noise);
    const auto per_sample = [n](const torch::Tensor& rows) { return rows.reshape({n, -1}).mean(1); };
    // DiffLoss draws t per token: one row per token (num_masked x diffusion_batch_mul of
    // every sample, so the rows' mean is the samples' mean).
    return {per_sample(losses.loss), {{"mse", per_sample(losses.mse)}, {"vb", per_sample(losses.vb)}},
            "t", t.to(torch::kFloat64) / diffusion_.num_timesteps(), losses.loss};
  }

  torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise, const SamplingOptions& options,
                       const NoiseSource& randn) override {
    resolve_sampler(kMarSamplers, options.sampler);
    refuse_edm_sampling_options(options, "mar");
    refuse_mcmc_sampling_options(options, "mar");
    options.masked.validate();
    const MarConfig& c = config();
    const int64_t T = diffusion_config_.diffusion_steps, n = noise.size(0), seq = c.seq_len();
    if (options.steps < 1 || options.steps > T) {
      throw std::invalid_argument("sampler steps (the DiffLoss sampler's) must be in [1, " + std::to_string(T) + "]");
    }
    const GuidanceSchedule& guidance = options.guidance;
    if (guidance.interval_low != 0 || !std::isinf(guidance.interval_high)) {
      throw std::invalid_argument("a guidance interval is over noise levels; mar guides every round (no --cfg-interval)");
    }
    if (guidance.weight != 1.0 && c.label_drop_prob <= 0) {
      throw std::invalid_argument("guidance needs a model trained with label dropout (label_drop_prob > 0)");
    }
    const std::vector<int64_t> left = tokens_left_masked(seq, options.masked.num_iter.value_or(std::min(kDefaultNumIter, seq)));
    const double temperature = options.masked.temperature.value_or(1.0);
    DdpmConfig respaced = diffusion_config_;
    respaced.timestep_respacing = options.steps == T ? "" : std::to_string(options.steps);
    const GaussianDiffusion diffusion(respaced);
    const bool guided = guidance.weight != 1.0;

    torch::NoGradGuard no_grad;
    net_->eval();
    // Each token's DiffLoss chain starts from its own patch of `noise`; the orders are
    // the argsort of a fresh normal draw (a uniformly random permutation).
    const torch::Tensor start = net_->patchify(noise);
    const torch::Tensor orders = randn(torch::empty({n, seq}, noise.options())).argsort(/*dim=*/int64_t{1});
    const torch::Tensor unconditional = torch::zeros({n}, torch::kBool);
    torch::Tensor class_embedding = net_->class_embedding(labels, unconditional);
    if (guided) class_embedding = torch::cat({class_embedding, net_->fake_latent.expand_as(class_embedding)});
    torch::Tensor tokens = torch::zeros_like(start);
    torch::Tensor mask = torch::ones({n, seq}, noise.options());
    for (const int64_t mask_len : left) {
      const torch::Tensor both_mask = guided ? torch::cat({mask, mask}) : mask;
      const torch::Tensor both_tokens = guided ? torch::cat({tokens, tokens}) : tokens;
      const torch::Tensor z =
          net_->forward_mae_decoder(net_->forward_mae_encoder(both_tokens, both_mask, class_embedding), both_mask);
      const torch::Tensor mask_next = mask_by_order(orders, mask_len).to(mask.scalar_type());
      const torch::Tensor to_predict = (mask - mask_next).to(torch::kBool);
      const torch::Tensor condition = z.index({guided ? torch::cat({to_predict, to_predict}) : to_predict});
      torch::Tensor x_T = start.index({to_predict});
      const double w = guidance.ramp == GuidanceRamp::linear
                           ? 1 + (guidance.weight - 1) * double(seq - mask_len) / seq
                           : guidance.weight;
      const int64_t channels = c.token_embed_dim();
      const DdpmModel denoiser = [&](const torch::Tensor& x, const torch::Tensor& t) {
        return net_->diffloss->net->forward(x, t.to(x.scalar_type()), condition);
      };
      DdpmModel model = denoiser;
      if (guided) {
        x_T = torch::cat({x_T, x_T});
        model = [&](const torch::Tensor& x, const torch::Tensor& t) {
          return mar_forward_with_cfg(denoiser, x, t, w, channels);
        };
      }
      // randn draws image i's noise in row i (evaluations seed each image), so the step
      // noise is drawn for every token of every image and the predicted ones taken.
      const DdpmStepNoise step_noise = [&](const torch::Tensor&) {
        const torch::Tensor picked = randn(torch::empty(start.sizes(), start.options())).index({to_predict});
        return guided ? torch::cat({picked, picked}) : picked;
      };
      const torch::Tensor drawn = diffusion.p_sample_loop(model, x_T, temperature, step_noise);
      tokens.index_put_({to_predict}, drawn.narrow(0, 0, drawn.size(0) / (guided ? 2 : 1)));
      mask = mask_next;
    }
    return net_->unpatchify(tokens);
  }

 private:
  const MarConfig& config() const { return net_->config(); }

  Mar net_;
  DdpmConfig diffusion_config_;
  GaussianDiffusion diffusion_;
};

class MarSpec : public ModelSpec {
 public:
  MarSpec(MarConfig net, DdpmConfig diffusion) : net_(std::move(net)), diffusion_(std::move(diffusion)) {}

  std::unique_ptr<Model> build() const override { return std::make_unique<MarModel>(net_, diffusion_); }
  ImageShape image_shape() const override { return {net_.vae_embed_dim, net_.latent_side()}; }
  int64_t label_dim() const override { return net_.class_num; }
  std::vector<std::string> samplers() const override { return kMarSamplers; }

 private:
  MarConfig net_;
  DdpmConfig diffusion_;
};

std::shared_ptr<const ModelSpec> parse_mar(config::ConfigReader& model, config::ConfigReader&) {
  if (model.has("num_sampling_steps")) {
    throw config::ConfigError("config key '" + model.key_path("num_sampling_steps") +
                              "': the DiffLoss sampler's steps are eval.steps / `dact sample --steps`");
  }
  MarConfig net = read_mar_network(model);
  // MAR's DiffLoss: create_diffusion(noise_schedule="cosine"), learned-range variance.
  DdpmConfig diffusion;
  diffusion.schedule = BetaSchedule::cosine;
  diffusion.variance = DdpmVariance::learned_range;
  model.choice("prediction", diffusion.prediction,
               {{"epsilon", DdpmPrediction::epsilon}, {"v", DdpmPrediction::velocity}});
  model.optional("clip_denoised", diffusion.clip_denoised);
  return std::make_shared<MarSpec>(std::move(net), std::move(diffusion));
}

}  // namespace

const Family& mar_family() {
  static const Family family{"mar", parse_mar};
  return family;
}

}  // namespace dact::models
