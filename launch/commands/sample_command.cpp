#include "launch/commands/sample_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "launch/commands/h5_dataset_file.h"
#include "launch/config/model_config.h"
#include "storage/png_writer.h"
#include "workers/ema/preview_grid.h"
#include "workers/evaluator/seeded_images.h"
#include "workers/evaluator/snapshot_network.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;
namespace evaluator = workers::evaluator;

struct SampleArguments {
  std::string snapshot;
  double std = 0.1;
  std::string ema;  // a classic EMA track by name instead of std
  evaluator::SamplingOptions sampling;
  std::string out;
  int64_t num = 0;  // 0 = one row: one image per class
  int64_t seed = 0;
  int64_t batch = 64;
};

void run_sample(const SampleArguments& arguments) {
  models::Edm2Precond net = evaluator::load_snapshot_network(arguments.snapshot, arguments.std, build_model,
                                                                   arguments.ema);
  const int64_t classes = net->config().unet.label_dim;
  const int64_t num = arguments.num > 0 ? arguments.num : classes;
  const evaluator::SeededImages images = evaluator::generate_seeded_images(
      net, arguments.seed, arguments.seed + num, arguments.batch, arguments.sampling);
  fs::create_directories(arguments.out);
  const std::string h5_path = (fs::path(arguments.out) / "images.h5").string();
  const std::string png_path = (fs::path(arguments.out) / "grid.png").string();
  write_h5_datasets(h5_path, {{"images", images.images}, {"labels", images.labels}},
                    {{"snapshot", arguments.snapshot},
                     {"std", fmt::format("{}", arguments.std)},
                     {"ema", arguments.ema},
                     {"sampler", arguments.sampling.sampler},
                     {"steps", std::to_string(arguments.sampling.steps)},
                     {"guidance", fmt::format("{}", arguments.sampling.guidance)},
                     {"seeds", fmt::format("[{}, {})", arguments.seed, arguments.seed + num)}});
  // One column per class (seed i has class i mod classes); blank cells fill the last row.
  const int64_t cols = std::min(classes, num);
  const int64_t rows = (num + cols - 1) / cols;
  torch::Tensor cells = torch::zeros({rows * cols, images.images.size(1), images.images.size(2),
                                      images.images.size(3)},
                                     torch::kUInt8);
  cells.slice(0, 0, num).copy_(images.images);
  storage::write_png(png_path, workers::ema::tile_images(cells, rows, cols));
  std::cout << fmt::format("{} images (seeds [{}, {})): {}, {}\n", num, arguments.seed, arguments.seed + num,
                           png_path, h5_path);
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto arguments = std::make_shared<SampleArguments>();
  CLI::App* sample = app.add_subcommand("sample", "Sample images from an EMA snapshot into a PNG grid and HDF5");
  sample->add_option("--snapshot", arguments->snapshot, "EMA snapshot file (snapshots/ or `dact ema reconstruct`)")
      ->required();
  CLI::Option* std_option =
      sample->add_option("--std", arguments->std, "EMA track (its relative std)")->capture_default_str();
  sample->add_option("--ema", arguments->ema, "A classic EMA track by name (ema.classic) instead of --std")
      ->excludes(std_option);
  sample->add_option("--sampler", arguments->sampling.sampler, "heun or euler")->capture_default_str();
  sample->add_option("--steps", arguments->sampling.steps, "Sampler steps")->capture_default_str();
  sample->add_option("--cfg", arguments->sampling.guidance, "Classifier-free guidance weight (1 = none)")
      ->capture_default_str();
  sample->add_option("--out", arguments->out, "Directory for grid.png and images.h5")->required();
  sample->add_option("--num", arguments->num, "Number of images (default: one per class)");
  sample->add_option("--seed", arguments->seed, "First image seed (image i uses seed + i)")->capture_default_str();
  sample->add_option("--batch", arguments->batch, "Images per sampling batch")->capture_default_str();
  sample->callback([arguments] { run_sample(*arguments); });
}

}  // namespace dact::launch
