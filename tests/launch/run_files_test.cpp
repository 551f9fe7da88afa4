// What the run page, `dact status` and `dact report` read from a run directory while a
// run appends to it: whole lines only, chunks that resume where they stopped, a run
// directory started afresh, torn and garbled lines; the addresses the run publishes;
// the progress line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config_error.h"
#include "launch/host_port.h"
#include "launch/web/run_files.h"
#include "launch/web/run_summary.h"
#include "tests/support/temp_dir.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(RunFiles, JsonLinesComeInWholeLinesFromAnOffset) {
  dact::testing::TempDir dir("dact_run_files");
  const fs::path path = dir / "stats.jsonl";
  write(path, "{\"step\":1}\n{\"step\":2}\n{\"st");  // the last line is being written
  JsonLinesChunk chunk = read_json_lines(path.string(), 0, 1 << 20);
  EXPECT_EQ(chunk.text, "{\"step\":1}\n{\"step\":2}\n");
  EXPECT_EQ(chunk.next, 22u);
  EXPECT_FALSE(chunk.restarted);
  // At most max_bytes, cut at a line end; the next chunk goes on from there.
  chunk = read_json_lines(path.string(), 0, 15);
  EXPECT_EQ(chunk.text, "{\"step\":1}\n");
  chunk = read_json_lines(path.string(), chunk.next, 15);
  EXPECT_EQ(chunk.text, "{\"step\":2}\n");
  // The torn line, once finished, comes whole.
  write(path, "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n");
  chunk = read_json_lines(path.string(), chunk.next, 15);
  EXPECT_EQ(chunk.text, "{\"step\":3}\n");
  EXPECT_EQ(read_json_lines(path.string(), chunk.next, 15).text, "");
  // A line longer than max_bytes still comes, whole.
  EXPECT_EQ(read_json_lines(path.string(), 0, 4).text, "{\"step\":1}\n");
  // A file shorter than the offset: a run directory started afresh.
  write(path, "{\"step\":9}\n");
  chunk = read_json_lines(path.string(), 1000, 1 << 20);
  EXPECT_TRUE(chunk.restarted);
  EXPECT_EQ(chunk.text, "{\"step\":9}\n");
  EXPECT_EQ(read_json_lines(dir / "missing.jsonl", 0, 10).text, "");
}

TEST(RunFiles, LastLineSkipsTornAndGarbledLines) {
  dact::testing::TempDir dir("dact_run_files");
  const fs::path path = dir / "metrics.jsonl";
  write(path, "{\"fd\":9}\n{\"fd\":7}\nnot json\n{\"fd\":");
  ASSERT_TRUE(last_json_line(path.string()).has_value());
  EXPECT_EQ(last_json_line(path.string())->at("fd"), 7);
  EXPECT_EQ(json_lines(path.string()).size(), 2u);
  write(path, "{\"fd\":");
  EXPECT_FALSE(last_json_line(path.string()).has_value());
  EXPECT_FALSE(last_json_line(dir / "missing").has_value());
}

TEST(RunFiles, PreviewsAreTheGridsByImageCount) {
  dact::testing::TempDir dir("dact_run_files");
  const fs::path samples = fs::path(dir.path()) / "samples";
  fs::create_directories(samples);
  for (const char* name : {"000032.png", "000000.png", "000016.png", "000016.064.png", "grid.png", "000016.png.tmp",
                           "12.png"}) {
    write(samples / name, "x");
  }
  EXPECT_EQ(storage::RunDirectory(dir.path()).sample_grid_nimgs(), (std::vector<int64_t>{0, 16000, 16064, 32000}));
}

TEST(HostPort, PublishedAddressesParseBack) {
  EXPECT_EQ(published_address("127.0.0.1", 80), "127.0.0.1:80");
  EXPECT_EQ(published_address("::1", 80), "[::1]:80");
  const HostPort v6 = parse_host_port(published_address("::1", 8080), "test");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 8080);
  EXPECT_EQ(parse_host_port("node-1:7", "test").host, "node-1");
  for (const char* bad : {"", ":80", "host", "host:", "host:0", "host:65536", "host:8x", "host:-1"}) {
    EXPECT_THROW(parse_host_port(bad, "test"), config::ConfigError) << bad;
  }
}

TEST(RunSummary, ProgressLineShowsTheBarTheEtaAndTheLastStep) {
  RunSummary summary;
  EXPECT_EQ(progress_line(summary), "waiting for the first step");
  summary.duration_kimg = 48;
  summary.stats = nlohmann::json{{"kimg", 12.0}, {"images_per_s", 100.0}, {"loss", 0.25}, {"step", 3}};
  // 36 kimg left at 100 images/s: 6 min.
  EXPECT_EQ(progress_line(summary, 8), "[##......]  12.0 / 48 kimg  25%  ETA 6 min 0 s  loss 0.25  100 images/s");
  summary.stats = nlohmann::json{{"kimg", 48.0}, {"images_per_s", 100.0}, {"loss", 0.25}};
  EXPECT_EQ(progress_line(summary, 4), "[####]  48.0 / 48 kimg  100%  loss 0.25  100 images/s");
}

TEST(RunSummary, MetricsLineShowsTheSnapshotsKimgToTheImage) {
  RunSummary summary;
  summary.metrics = nlohmann::json{{"kimg", 0.064}, {"nimg", 64}, {"fd256", 41.5}};
  EXPECT_NE(describe_run(summary, "r", 0).find("fd256 41.50 at 0.064 kimg"), std::string::npos);
  summary.metrics = nlohmann::json{{"kimg", 1234.567}, {"nimg", 1234567}, {"fd256", 3.0}};
  EXPECT_NE(describe_run(summary, "r", 0).find("at 1234.567 kimg"), std::string::npos);
  summary.metrics = nlohmann::json{{"kimg", 16}, {"fd", 9.0}};  // a line of before: whole kimg, no nimg
  EXPECT_NE(describe_run(summary, "r", 0).find("fd 9.00 at 16 kimg"), std::string::npos) << describe_run(summary, "r", 0);
}

}  // namespace
}  // namespace dact::launch
