// Shard read throughput against its limit: a plain pread() of the same sample
// bytes from one raw file (all samples back to back). Both read from the page
// cache after a first pass, so the ratio measures the reader's own overhead.
//
//   shard_read_bench --dataset DIR [--batch-sizes 64,256] [--epochs 3]
//   shard_read_bench --make-latents DIR --count 200000   (synthetic 4x32x32 float16)
#include <fcntl.h>
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <numeric>
#include <random>
#include <stdexcept>

#include "storage/shard_dataset.h"
#include "storage/shard_prefetcher.h"
#include "storage/shard_writer.h"

namespace {

using dact::storage::SampleBatch;
using dact::storage::ShardDataset;
using Clock = std::chrono::steady_clock;

void make_latents(const std::string& dir, int64_t count) {
  dact::storage::ShardWriterOptions options;
  options.sample_key = "latents";
  options.dtype = torch::kFloat16;
  options.sample_shape = {4, 32, 32};
  options.resolution = 256;  // latents of 256x256 images with an 8x autoencoder
  options.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  options.shard_size = 10000;
  dact::storage::ShardWriter writer(dir, options);
  torch::manual_seed(0);
  for (int64_t start = 0; start < count; start += 10000) {
    const int64_t n = std::min<int64_t>(10000, count - start);
    writer.add(torch::randn({n, 4, 32, 32}).to(torch::kFloat16),
               torch::randint(0, 10, {n}, torch::kInt32));
  }
  writer.finish();
}

// All samples back to back, in index order: the raw-pread baseline's file.
std::string write_raw_copy(const ShardDataset& dataset, const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + path);
  for (int64_t start = 0; start < dataset.size(); start += 4096) {
    std::vector<int64_t> indices(
        static_cast<size_t>(std::min<int64_t>(4096, dataset.size() - start)));
    std::iota(indices.begin(), indices.end(), start);
    const torch::Tensor samples = dataset.read(indices).samples;
    const auto bytes = static_cast<size_t>(samples.numel() * samples.element_size());
    if (::write(fd, samples.data_ptr(), bytes) != static_cast<ssize_t>(bytes)) {
      throw std::runtime_error("short write to " + path);
    }
  }
  ::close(fd);
  return path;
}

std::vector<std::vector<int64_t>> batches_of(const std::vector<int64_t>& order, int64_t batch) {
  std::vector<std::vector<int64_t>> batches;
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch)) {
    batches.emplace_back(
        order.begin() + start,
        order.begin() + std::min(order.size(), start + static_cast<size_t>(batch)));
  }
  return batches;
}

// One pread per run of consecutive indices (so a sequential batch is one call).
void raw_read_batch(int fd, const std::vector<int64_t>& indices, int64_t sample_bytes,
                    uint8_t* out) {
  for (size_t i = 0; i < indices.size();) {
    size_t end = i + 1;
    while (end < indices.size() && indices[end] == indices[end - 1] + 1) ++end;
    const auto bytes = static_cast<size_t>((end - i) * sample_bytes);
    if (::pread(fd, out + i * sample_bytes, bytes, indices[i] * sample_bytes) !=
        static_cast<ssize_t>(bytes)) {
      throw std::runtime_error("short raw read");
    }
    i = end;
  }
}

// CPU time of the whole process (all threads), so the reader's cost can be compared
// with pread's even when other processes compete for the cores.
double process_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

struct PassTimes {
  double first_s = 0;        // wall time of the first pass
  double first_cpu_s = 0;    // CPU time of the first pass (cold chunk cache, fresh dataset)
  double best_s = 1e30;      // best wall time
  double best_cpu_s = 1e30;  // best process CPU time
};

PassTimes time_passes(int epochs, const std::function<void()>& pass) {
  PassTimes times;
  for (int e = 0; e < epochs; ++e) {
    const double cpu_start_s = process_cpu_s();
    const auto start = Clock::now();
    pass();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu_s = process_cpu_s() - cpu_start_s;
    if (e == 0) {
      times.first_s = seconds;
      times.first_cpu_s = cpu_s;
    }
    times.best_s = std::min(times.best_s, seconds);
    times.best_cpu_s = std::min(times.best_cpu_s, cpu_s);
  }
  return times;
}

// What verifying every shard's checksum at open adds: opening with and without it,
// against one unverified sequential read() epoch (batch 256) of the same dataset.
void print_checksum_cost(const std::string& dataset_dir, dact::storage::ShardDatasetOptions options,
                         const std::vector<int64_t>& sequential, int epochs) {
  const auto open_times = [&](bool verify) {
    options.verify_checksums = verify;
    return time_passes(epochs, [&] { const ShardDataset dataset(dataset_dir, options); });
  };
  const PassTimes unverified_open = open_times(false);
  const PassTimes verified_open = open_times(true);
  options.verify_checksums = false;
  const ShardDataset dataset(dataset_dir, options);
  const auto batches = batches_of(sequential, 256);
  const PassTimes epoch = time_passes(epochs, [&] {
    for (const auto& batch : batches) dataset.read(batch);
  });
  const double checksum_s = verified_open.best_s - unverified_open.best_s;
  fmt::print("\n| open, unverified (s) | open, verified (s) | checksums (s) | unverified epoch: first (s) | "
             "best (s) | checksums / first epoch | checksums / best epoch |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  fmt::print("| {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.2f} | {:.2f} |\n", unverified_open.best_s,
             verified_open.best_s, checksum_s, epoch.first_s, epoch.best_s, checksum_s / epoch.first_s,
             checksum_s / epoch.best_s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Shard read throughput vs raw pread"};
  std::string dataset_dir, latents_dir, raw_dir = "/tmp";
  int64_t latent_count = 200000;
  std::vector<int64_t> batch_sizes{64, 256};
  int epochs = 3;
  int64_t cache_mib = 256;
  app.add_option("--dataset", dataset_dir, "shard dataset directory");
  app.add_option("--make-latents", latents_dir, "write a synthetic float16 4x32x32 dataset here");
  app.add_option("--count", latent_count, "samples of the synthetic dataset");
  app.add_option("--batch-sizes", batch_sizes)->delimiter(',');
  app.add_option("--epochs", epochs, "passes per measurement (the best is reported)");
  app.add_option("--cache-mib", cache_mib, "ShardDataset chunk cache size");
  app.add_option("--raw-dir", raw_dir, "where the raw baseline file is written");
  CLI11_PARSE(app, argc, argv);
  if (!latents_dir.empty()) {
    make_latents(latents_dir, latent_count);
    return 0;
  }
  if (dataset_dir.empty()) {
    std::cerr << "give --dataset DIR or --make-latents DIR\n";
    return 1;
  }

  dact::storage::ShardDatasetOptions options;
  options.cache_bytes = cache_mib << 20;
  const ShardDataset probe(dataset_dir, options);
  const int64_t count = probe.size();
  const int64_t sample_bytes = probe.manifest().sample_bytes();
  const std::string raw_path =
      write_raw_copy(probe, (std::filesystem::path(raw_dir) / "shard_read_bench.raw").string());
  const int raw_fd = ::open(raw_path.c_str(), O_RDONLY);

  std::vector<int64_t> sequential(static_cast<size_t>(count));
  std::iota(sequential.begin(), sequential.end(), 0);
  std::vector<int64_t> shuffled = sequential;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(1));

  fmt::print("dataset {}: {} samples x {} bytes ({:.1f} MiB), cache {} MiB, best of {} epochs\n\n",
             dataset_dir, count, sample_bytes, count * sample_bytes / 1048576.0, cache_mib, epochs);
  fmt::print(
      "| order | batch | reader | samples/s | MB/s | raw pread samples/s | ratio | "
      "CPU-time ratio | first-epoch CPU-time ratio |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& [order_name, order] :
       {std::pair<const char*, const std::vector<int64_t>&>{"sequential", sequential},
        std::pair<const char*, const std::vector<int64_t>&>{"shuffled", shuffled}}) {
    for (int64_t batch_size : batch_sizes) {
      const auto batches = batches_of(order, batch_size);
      std::vector<uint8_t> raw_buffer(static_cast<size_t>(batch_size * sample_bytes));
      const PassTimes raw_times = time_passes(epochs, [&] {
        for (const auto& batch : batches) {
          // A fresh tensor per batch, as the reader allocates one.
          torch::Tensor out =
              torch::empty({static_cast<int64_t>(batch.size()) * sample_bytes}, torch::kUInt8);
          raw_read_batch(raw_fd, batch, sample_bytes, out.data_ptr<uint8_t>());
        }
      });
      // A fresh dataset per measurement: the first epoch starts with a cold chunk cache.
      const ShardDataset dataset(dataset_dir, options);
      const PassTimes read_times = time_passes(epochs, [&] {
        for (const auto& batch : batches) dataset.read(batch);
      });
      const ShardDataset prefetch_dataset(dataset_dir, options);
      const PassTimes prefetch_times = time_passes(epochs, [&] {
        dact::storage::ShardPrefetcher prefetcher(prefetch_dataset, order, batch_size, 2, 8);
        while (prefetcher.next()) {
        }
      });
      const double raw_rate = count / raw_times.best_s;
      for (const auto& [reader, times] :
           {std::pair<const char*, PassTimes>{"read()", read_times},
            std::pair<const char*, PassTimes>{"prefetch x2", prefetch_times}}) {
        const double rate = count / times.best_s;
        fmt::print("| {} | {} | {} | {:.0f} | {:.0f} | {:.0f} | {:.2f} | {:.2f} | {:.2f} |\n",
                   order_name, batch_size, reader, rate, rate * sample_bytes / 1e6, raw_rate,
                   rate / raw_rate, raw_times.best_cpu_s / times.best_cpu_s,
                   raw_times.best_cpu_s / times.first_cpu_s);
      }
    }
  }
  ::close(raw_fd);
  std::filesystem::remove(raw_path);
  print_checksum_cost(dataset_dir, options, sequential, epochs);
  return 0;
}
