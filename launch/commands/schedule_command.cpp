#include "launch/commands/schedule_command.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

#include "launch/commands/sampling_cli.h"
#include "launch/config/schedule_file.h"
#include "models/diffusion/edm_family_sampling.h"
#include "models/diffusion/learned_schedule.h"
#include "models/pixel_range.h"
#include "storage/shard_dataset.h"
#include "workers/evaluator/snapshot_network.h"

namespace dact::launch {
namespace {

struct LearnArguments {
  std::string snapshot;
  double ema_std = 0.1;
  std::string ema_name;
  std::string data;
  std::string out;
  int64_t steps = 0;
  std::string parameterisation = "softmax";
  double rho = 7;
  double sigma_min = 0.002;
  double sigma_max = 80;
  int64_t batch = 32;
  int64_t iterations = 200;
  double lr = 1e-2;
  uint64_t seed = 0;
  int threads = 0;
};

void run_learn(const LearnArguments& arguments) {
  use_threads(arguments.threads);
  const std::unique_ptr<models::Model> model =
      workers::evaluator::load_snapshot_network(arguments.snapshot, arguments.ema_std, arguments.ema_name);
  auto* preconditioned = dynamic_cast<models::PreconditionedModel*>(model.get());
  if (preconditioned == nullptr) {
    throw std::invalid_argument("snapshot '" + arguments.snapshot +
                                "' is not an EDM-preconditioned denoiser; learned schedules are for its samplers");
  }
  for (torch::Tensor& parameter : model->module().parameters()) parameter.requires_grad_(false);
  const models::PreconditionedDenoiser net = preconditioned->preconditioned_denoiser();
  const storage::ShardDataset dataset(arguments.data);
  const int64_t label_dim = model->label_dim();

  models::RhoSchedule initial;
  initial.num_steps = arguments.steps;
  initial.rho = arguments.rho;
  initial.sigma_min = arguments.sigma_min;
  initial.sigma_max = arguments.sigma_max;
  models::LearnedSchedule schedule(models::schedule_parameterisation_named(arguments.parameterisation), initial);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(arguments.seed);
  const auto next_batch = [&]() -> std::pair<torch::Tensor, torch::Tensor> {
    const torch::Tensor index = torch::randint(dataset.size(), {arguments.batch}, generator, torch::kInt64);
    const storage::SampleBatch batch =
        dataset.read(std::vector<int64_t>(index.data_ptr<int64_t>(), index.data_ptr<int64_t>() + arguments.batch));
    torch::Tensor one_hot;
    if (label_dim > 0) one_hot = torch::one_hot(batch.labels, label_dim).to(torch::kFloat32);
    return {models::pixels_to_model_space(batch.samples), one_hot};
  };
  const models::ScheduleDenoiser D = [&net](const torch::Tensor& x, const torch::Tensor& sigma,
                                            const torch::Tensor& labels) {
    return net(x, sigma.to(torch::kFloat32), labels);
  };
  models::ScheduleFitOptions fit;
  fit.iterations = arguments.iterations;
  fit.lr = arguments.lr;
  double last_loss = 0;
  models::fit_schedule(schedule, D, next_batch, fit, generator, [&](int64_t iteration, double loss) {
    last_loss = loss;
    if ((iteration + 1) % 20 == 0 || iteration + 1 == arguments.iterations) {
      std::cout << fmt::format("iteration {}: loss {:.4f}\n", iteration + 1, loss) << std::flush;
    }
  });
  torch::NoGradGuard no_grad;
  const torch::Tensor sigmas = schedule.sigmas().contiguous();
  const std::vector<double> levels(sigmas.data_ptr<double>(), sigmas.data_ptr<double>() + sigmas.size(0));
  write_schedule_file(arguments.out, {{"sigmas", levels},
                                      {"parameterisation", arguments.parameterisation},
                                      {"snapshot", arguments.snapshot},
                                      {"ema", arguments.ema_name.empty() ? fmt::format("std {}", arguments.ema_std)
                                                                         : arguments.ema_name},
                                      {"initial_rho", arguments.rho},
                                      {"iterations", arguments.iterations},
                                      {"batch", arguments.batch},
                                      {"lr", arguments.lr},
                                      {"final_loss", last_loss}});
  std::cout << fmt::format("{} noise levels: {} -> {}\n", levels.size(), fmt::join(levels, ", "), arguments.out);
}

}  // namespace

void add_schedule_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand("schedule", "Learned sampling schedules");
  group->require_subcommand(1);
  auto arguments = std::make_shared<LearnArguments>();
  CLI::App* learn = group->add_subcommand(
      "learn", "Fit the N noise levels of an EDM sampler against a snapshot's frozen denoiser (softmax or sigmoid "
               "parameterisation, denoised-error weighting) and write them as a schedule file");
  learn->add_option("--snapshot", arguments->snapshot, "EMA snapshot of an EDM-preconditioned family")
      ->required()
      ->check(CLI::ExistingFile);
  CLI::Option* std_option =
      learn->add_option("--std", arguments->ema_std, "EMA track (its relative std)")->capture_default_str();
  learn->add_option("--ema", arguments->ema_name, "A classic EMA track by name instead of --std")->excludes(std_option);
  learn->add_option("--steps", arguments->steps, "N: the sampler steps (noise levels) to fit")
      ->required()
      ->check(CLI::Range(int64_t{3}, int64_t{1000}));
  learn->add_option("--data", arguments->data, "Pixel dataset directory (shards) the snapshot was trained on")
      ->required()
      ->check(CLI::ExistingDirectory);
  learn->add_option("--out", arguments->out, "Schedule file to write (JSON)")->required();
  learn->add_option("--param,--parameterisation", arguments->parameterisation, "softmax (fixed sigma range) or sigmoid")
      ->check(CLI::IsMember({"softmax", "sigmoid"}))
      ->capture_default_str();
  learn->add_option("--rho", arguments->rho, "Start at EDM's rho-schedule with this rho")->capture_default_str();
  learn->add_option("--sigma-min", arguments->sigma_min, "Lowest noise level")->capture_default_str();
  learn->add_option("--sigma-max", arguments->sigma_max, "Highest noise level")->capture_default_str();
  learn->add_option("--batch", arguments->batch, "Images per iteration")->check(CLI::PositiveNumber)->capture_default_str();
  learn->add_option("--iterations", arguments->iterations, "Adam steps")->check(CLI::PositiveNumber)->capture_default_str();
  learn->add_option("--lr", arguments->lr, "Adam learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  learn->add_option("--seed", arguments->seed, "Seed of the image, step and noise draws")->capture_default_str();
  add_threads_option(*learn, arguments->threads);
  learn->callback([arguments] { run_learn(*arguments); });
}

}  // namespace dact::launch
