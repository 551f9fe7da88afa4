#include "launch/commands/sample_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "launch/commands/h5_dataset_file.h"
#include "launch/commands/sampling_cli.h"
#include "storage/png_writer.h"
#include "workers/ema/preview_grid.h"
#include "workers/evaluator/pixel_sampling.h"
#include "workers/evaluator/seeded_images.h"
#include "workers/evaluator/snapshot_network.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;
namespace evaluator = workers::evaluator;

// The grid shows at most this many images (a 1000-image sample is not a 100-row strip).
constexpr int64_t kMaxGridImages = 100;

struct SampleArguments {
  evaluator::EvaluationJob job;  // the snapshot, EMA track, sampler and guidance
  std::string out;
  int64_t num = 0;  // 0 = one row: one image per class
  int64_t batch = 64;
  int threads = 0;
};

void run_sample(const SampleArguments& arguments) {
  use_threads(arguments.threads);
  const evaluator::EvaluationJob& job = arguments.job;
  const std::unique_ptr<models::Model> model =
      evaluator::load_snapshot_network(job.snapshot_path, job.ema_std, job.ema_name);
  const std::shared_ptr<models::latent::PixelDecoder> decoder =
      evaluator::load_snapshot_decoder(job.snapshot_path);
  const int64_t classes = model->label_dim();
  const int64_t num = arguments.num > 0 ? arguments.num : std::max<int64_t>(classes, 1);
  const std::unique_ptr<models::Model> guide = evaluator::load_guide_network(job);
  const models::SamplingOptions sampling = evaluator::sampling_options(job, guide.get());
  const evaluator::SeededImages images =
      evaluator::generate_seeded_images(*model, *decoder, job.seed_begin, job.seed_begin + num, arguments.batch, sampling);
  fs::create_directories(arguments.out);
  const std::string h5_path = (fs::path(arguments.out) / "images.h5").string();
  const std::string png_path = (fs::path(arguments.out) / "grid.png").string();
  write_h5_datasets(h5_path, {{"images", images.images}, {"labels", images.labels}},
                    {{"snapshot", job.snapshot_path},
                     {"std", fmt::format("{}", job.ema_std)},
                     {"ema", job.ema_name},
                     {"sampler", models::resolve_sampler(model->samplers(), job.sampler)},
                     {"steps", std::to_string(job.steps)},
                     {"guidance", fmt::format("{}", job.guidance)},
                     {"guidance_schedule", job.guidance_ramp},
                     {"guidance_interval", fmt::format("({}, {}]", job.guidance_low, job.guidance_high)},
                     {"sampler_controls", job.edm.describe()},
                     {"generation_controls", job.masked.describe()},
                     {"guide", job.guide_snapshot.empty() ? "" : fmt::format("{} (std {})", job.guide_snapshot, job.guide_std)},
                     {"seeds", fmt::format("[{}, {})", job.seed_begin, job.seed_begin + num)}});
  // One column per class (seed i has class i mod classes); blank cells fill the last row.
  const int64_t shown = std::min(num, kMaxGridImages);
  const int64_t cols = std::min(classes > 0 ? classes : 10, shown);
  const int64_t rows = (shown + cols - 1) / cols;
  torch::Tensor cells = torch::zeros({rows * cols, images.images.size(1), images.images.size(2),
                                      images.images.size(3)},
                                     torch::kUInt8);
  cells.slice(0, 0, shown).copy_(images.images.slice(0, 0, shown));
  storage::write_png(png_path, workers::ema::tile_images(cells, rows, cols));
  std::cout << fmt::format("{} images (seeds [{}, {})): {} (first {}), {}\n", num, job.seed_begin,
                           job.seed_begin + num, png_path, shown, h5_path);
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto arguments = std::make_shared<SampleArguments>();
  CLI::App* sample = app.add_subcommand("sample", "Sample images from an EMA snapshot into a PNG grid and HDF5");
  sample->add_option("--snapshot", arguments->job.snapshot_path, "EMA snapshot file (snapshots/ or `dact ema reconstruct`)")
      ->required();
  CLI::Option* std_option =
      sample->add_option("--std", arguments->job.ema_std, "EMA track (its relative std)")->capture_default_str();
  sample->add_option("--ema", arguments->job.ema_name, "A classic EMA track by name (ema.classic) instead of --std")
      ->excludes(std_option);
  add_sampling_options(*sample, arguments->job);
  sample->add_option("--out", arguments->out, "Directory for grid.png and images.h5")->required();
  sample->add_option("--num", arguments->num, "Number of images (default: one per class)");
  sample->add_option("--seed", arguments->job.seed_begin, "First image seed (image i uses seed + i)")
      ->capture_default_str();
  sample->add_option("--batch", arguments->batch, "Images per sampling batch")->capture_default_str();
  add_threads_option(*sample, arguments->threads);
  sample->callback([arguments] { run_sample(*arguments); });
}

}  // namespace dact::launch
