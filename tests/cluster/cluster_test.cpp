// Runs across hosts, on the test bed of tests/cluster/testbed.sh: three hosts as network
// namespaces with their own addresses and hostnames, sharing only the file system (as a
// cluster's nodes share a parallel file system).
//  - mpirun across hosts (Open MPI's rsh agent runs the remote daemons in the host's
//    namespace; TCP between the hosts): coordinator, data loader and EMA actor on host 1,
//    both trainers on host 2; the run trains, checkpoints and finishes with the same bits
//    as the same run on one host. The join port is not reachable from another host by
//    default.
//  - an evaluator joins from host 3 over TCP (run.join_host = host 1's address) and
//    finishes the evaluation parts; a join with a wrong token is refused and logged; the
//    run page answers on its configured address only.
//  - every process on the trainers' host is killed mid-run, or its link goes down: the
//    run restarts (after a link down on another host, named in the edited rankfile) and
//    ends with the same bits as one never interrupted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/evaluation_fixture.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/same_tensor_files.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_run.h"
#include "workers/evaluator/evaluation_protocol.h"

namespace {

namespace fs = std::filesystem;
using dact::testing::read_text;
using dact::testing::run_shell_command;
using dact::testing::wait_exit;

const std::string kHost1 = "10.77.0.1", kHost2 = "10.77.0.2", kHost3 = "10.77.0.3";

class Cluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;  // SetUp skips every test, saying why
    tag_ = "dact" + std::to_string(::getpid());
    const dact::testing::DactResult up = run_shell_command(testbed() + " up " + tag_ + " 3", true);
    ASSERT_EQ(up.exit_code, 0) << up.output;
    fixture_ = dact::testing::shared_evaluation_fixture();
    root_ = fs::temp_directory_path() / ("dact_cluster_" + std::to_string(::getpid()));
    fs::create_directories(root_);
    // Ranks by role (launch/roles): 0 coordinator, 1 data loader, 2-3 trainers, 4 EMA.
    std::ofstream(root_ / "rankfile") << "rank 0=" << kHost1 << " slot=0-1\nrank 1=" << kHost1
                                      << " slot=0-1\nrank 2=" << kHost2 << " slot=0-1\nrank 3=" << kHost2
                                      << " slot=0-1\nrank 4=" << kHost1 << " slot=0-1\n";
  }
  static void TearDownTestSuite() {
    if (tag_.empty()) return;
    run_shell_command(testbed() + " down " + tag_);
    fs::remove_all(root_);
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "network namespaces need root (CI runs as root)";
  }

  static std::string testbed() { return dact::testing::source_dir() + "/tests/cluster/testbed.sh"; }

  // `command` on test host `index` (1-based) as a shell command line.
  static std::string on_host(int index, const std::string& command) {
    return testbed() + " run " + tag_ + " " + std::to_string(index) + " " + command;
  }

  // Open MPI across the test hosts: remote daemons through the test bed's rsh agent, TCP
  // on the hosts' eth0 for both the runtime and MPI messages.
  static std::string mpi_environment() {
    return "env OMPI_MCA_plm_rsh_agent='" + testbed() + " rsh' OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=eth0 "
           "OMPI_MCA_oob_tcp_if_include=eth0 ";
  }

  // A tiny EDM2 U-Net: 2 trainers of 8 images each, 16 steps, checkpoints every 4.
  static nlohmann::json tiny_config(bool evaluate) {
    nlohmann::json config = {
        {"seed", 7},
        {"dataset", {{"dir", fixture_.dataset.string()}}},
        {"model", dact::testing::tiny_edm2_model()},
        {"roles", {{"data_loader", 1}, {"trainer", 2}, {"ema", 1}}},
        {"trainer", {{"batch", 16}, {"batch_per_rank", 8}, {"ref_lr", 0.01}, {"rampup_Mimg", 0.0001},
                     {"checkpoint_every_steps", 4}, {"ema_every_steps", 2}, {"status_every_s", 0}}},
        {"ema", {{"stds", {0.05, 0.1}}, {"snapshot_every_kimg", 0.128}, {"preview", {{"per_class", 1}, {"num_steps", 2}}}}},
        {"run", {{"duration_kimg", 0.256}, {"threads", {{"trainer", 1}}}, {"liveness_timeout_s", 60}}},
    };
    if (evaluate) {
      config["eval"] = {{"enabled", true}, {"num_images", 64}, {"part_images", 32}, {"ema_std", 0.1},
                        {"sampler", "heun"}, {"steps", 8}, {"batch", 32}, {"features", fixture_.features.string()},
                        {"reference", fixture_.reference.string()}, {"lease_timeout_s", 60}, {"threads", 1},
                        {"final_wait_s", 240}};
      config["run"]["join_host"] = kHost1;
      config["run"]["status_host"] = kHost1;
    }
    return config;
  }

  static fs::path write_config(const std::string& name, const nlohmann::json& config) {
    const fs::path path = root_ / (name + ".json");
    std::ofstream(path) << config.dump(2);
    return path;
  }

  static std::string train_command(const fs::path& config, const std::string& run, const std::string& mpirun_args) {
    return "'" + dact::testing::dact_binary() + "' train --config " + config.string() + " --run-dir " +
           (root_ / run).string() + (mpirun_args.empty() ? "" : " --mpirun-args '" + mpirun_args + "'");
  }

  // Whether a TCP connection from test host `from` to address:port is accepted.
  static bool connects(int from, const std::string& address, const std::string& port) {
    return run_shell_command(on_host(from, "timeout 5 bash -c 'exec 3<>/dev/tcp/" + address + "/" + port + "'")).exit_code == 0;
  }

  static std::string port_of(const fs::path& address_file) {
    const std::string address = read_text(address_file);
    return address.substr(address.rfind(':') + 1, address.find('\n') - address.rfind(':') - 1);
  }

  static std::string tag_;
  static dact::testing::EvaluationFixture fixture_;
  static fs::path root_;
};

std::string Cluster::tag_;
dact::testing::EvaluationFixture Cluster::fixture_;
fs::path Cluster::root_;

TEST_F(Cluster, TrainersOnAnotherHostTrainTheSameBitsAsOneHost) {
  const fs::path config = write_config("tiny", tiny_config(false));
  const pid_t two_hosts = dact::testing::spawn_shell(
      mpi_environment() + on_host(1, train_command(config, "two_hosts", "--rankfile " + (root_ / "rankfile").string())),
      root_ / "two_hosts.out");
  // While it runs: the join port (loopback by default) is closed to other hosts.
  const fs::path address_file = root_ / "two_hosts" / "coordinator_address";
  ASSERT_TRUE(dact::testing::wait_for_text(address_file, "\n", 120)) << read_text(root_ / "two_hosts.out");
  const std::string join_port = port_of(address_file);
  EXPECT_EQ(read_text(address_file).rfind("127.0.0.1:", 0), 0u) << read_text(address_file);
  EXPECT_FALSE(connects(3, kHost1, join_port)) << "the join port answers another host by default";
  EXPECT_FALSE(connects(2, kHost1, join_port)) << "the join port answers another host by default";
  ASSERT_EQ(wait_exit(two_hosts, 600), 0) << read_text(root_ / "two_hosts.out");

  const std::string log = read_text(root_ / "two_hosts" / "log.txt");
  for (const auto& [rank, host] : std::vector<std::pair<std::string, int>>{
           {"0 is coordinator 0", 1}, {"1 is data_loader 0", 1}, {"2 is trainer 0", 2}, {"3 is trainer 1", 2}, {"4 is ema 0", 1}}) {
    EXPECT_NE(log.find("rank " + rank + " on " + tag_ + "-h" + std::to_string(host)), std::string::npos) << rank << "\n" << log;
  }

  ASSERT_EQ(run_shell_command(train_command(config, "one_host", "") + " > " + (root_ / "one_host.out").string() + " 2>&1").exit_code, 0)
      << read_text(root_ / "one_host.out");
  for (const char* file : {"checkpoints/checkpoint-00000016.h5", "checkpoints/ema-00000016.h5",
                           "snapshots/snapshot-000000.128.h5", "snapshots/snapshot-000000.256.h5"}) {
    dact::testing::expect_same_tensor_files((root_ / "two_hosts" / file).string(), (root_ / "one_host" / file).string());
  }
}

TEST_F(Cluster, EvaluatorJoinsFromAThirdHost) {
  nlohmann::json settings = tiny_config(true);
  settings["run"]["duration_kimg"] = 0.512;  // long enough for the checks below while it runs
  settings["ema"]["snapshot_every_kimg"] = 0.512;
  const fs::path config = write_config("evaluated", settings);
  const fs::path run = root_ / "evaluated";
  fs::create_directories(run);
  // Started first, it waits on host 3 for the run to publish its address.
  const pid_t evaluator = dact::testing::spawn_shell(
      on_host(3, "'" + dact::testing::dact_binary() + "' evaluator --run-dir " + run.string() + " --name remote"),
      root_ / "evaluator.out");
  const pid_t training = dact::testing::spawn_shell(mpi_environment() + on_host(1, train_command(config, "evaluated", "")),
                                                    root_ / "evaluated.out");
  ASSERT_TRUE(dact::testing::wait_for_text(run / "coordinator_address", "\n", 120)) << read_text(root_ / "evaluated.out");
  ASSERT_TRUE(dact::testing::wait_for_text(run / "status_address", "\n", 30));
  EXPECT_EQ(read_text(run / "coordinator_address").rfind(kHost1 + ":", 0), 0u);

  // A wrong token from host 3 is refused, and the run logs it.
  std::ofstream(root_ / "wrong_token") << std::string(64, 'a') << "\n";
  ::chmod((root_ / "wrong_token").c_str(), 0600);
  const dact::testing::DactResult refused = run_shell_command(
      on_host(3, "'" + dact::testing::dact_binary() + "' evaluator --run-dir " + run.string() + " --token-file " +
                     (root_ / "wrong_token").string() + " --name intruder"),
      true);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("wrong join token"), std::string::npos) << refused.output;

  // The run page answers on host 1's address, from host 3, and not on host 1's loopback.
  const std::string page_port = port_of(run / "status_address");
  EXPECT_TRUE(connects(3, kHost1, page_port));
  EXPECT_FALSE(connects(1, "127.0.0.1", page_port));

  ASSERT_EQ(wait_exit(training, 600), 0) << read_text(root_ / "evaluated.out");
  EXPECT_EQ(wait_exit(evaluator, 60), 0) << read_text(root_ / "evaluator.out");
  EXPECT_NE(read_text(run / "log.txt").find("wrong join token"), std::string::npos);
  std::ifstream metrics(run / "metrics.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(metrics, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 1u) << read_text(root_ / "evaluated.out");  // the snapshot at 0.512 kimg
  for (const nlohmann::json& line : lines) {
    EXPECT_EQ(line.at("evaluators"), nlohmann::json({"remote", "remote"}));
    EXPECT_GT(line.at("fd64").get<double>(), 0);
  }
}

// Every process on the trainers' host is SIGKILLed mid-run (the host is lost). The
// supervisor sees the world fail, starts a new one on the same rankfile (a user may edit
// it between restarts) from the newest checkpoint, and the run ends with the bits of a
// run that was never interrupted. Prints the detection time and the work lost.
TEST_F(Cluster, LosingTheTrainersHostRestartsAndFinishesWithTheSameBits) {
  nlohmann::json settings = tiny_config(false);
  settings["run"]["duration_kimg"] = 0.512;  // 32 steps
  settings["run"]["restart_backoff_s"] = 0.2;
  const fs::path config = write_config("lost", settings);
  const pid_t lost = dact::testing::spawn_shell(
      mpi_environment() + on_host(1, train_command(config, "lost", "--rankfile " + (root_ / "rankfile").string())),
      root_ / "lost.out");
  const fs::path stats = root_ / "lost" / "stats.jsonl";
  ASSERT_TRUE(dact::testing::wait_for_text(stats, "\"step\":10,", 300)) << read_text(root_ / "lost.out");
  const double killed_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_EQ(run_shell_command("ip netns pids " + tag_ + "-h2 | xargs -r kill -9").exit_code, 0);
  ASSERT_EQ(wait_exit(lost, 600), 0) << read_text(root_ / "lost.out");

  std::ifstream restarts(root_ / "lost" / "restarts.jsonl");
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(restarts, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 1u) << read_text(root_ / "lost.out");
  const double detection_s = records[0].at("time").get<double>() - killed_at;
  std::printf("host lost at step >= 10: restart recorded %.2f s after the kill (cause %s), resumed from step %lld, "
              "%lld steps of work lost\n",
              detection_s, records[0].at("cause").get<std::string>().c_str(),
              static_cast<long long>(records[0].at("resumed_from_step").get<int64_t>()),
              static_cast<long long>(records[0].at("work_lost_steps").get<int64_t>()));
  EXPECT_LT(detection_s, 60);
  EXPECT_EQ(records[0].at("cause"), "host") << records[0];
  EXPECT_EQ(records[0].at("host"), kHost2) << records[0];

  ASSERT_EQ(run_shell_command(train_command(config, "never_lost", "") + " > " + (root_ / "never_lost.out").string() +
                              " 2>&1")
                .exit_code,
            0)
      << read_text(root_ / "never_lost.out");
  for (const char* file : {"checkpoints/checkpoint-00000032.h5", "checkpoints/ema-00000032.h5"}) {
    dact::testing::expect_same_tensor_files((root_ / "lost" / file).string(), (root_ / "never_lost" / file).string());
  }
}

// Host 2's link goes down mid-run: its trainers live on but fall silent. The coordinator
// declares them lost after run.liveness_timeout_s and aborts; mpirun cannot reach host
// 2's daemon to end the world, so the supervisor ends it itself 10 s after the failure
// record. During the back-off the user moves the trainers to host 3 in the rankfile; the
// restarted world finishes with the bits of a run never interrupted. Prints the
// detection time and the work lost.
TEST_F(Cluster, LinkDownOnTheTrainersHostIsDetectedAndTheRunMovesToAnotherHost) {
  nlohmann::json settings = tiny_config(false);
  settings["run"]["duration_kimg"] = 0.512;  // 32 steps
  settings["run"]["liveness_timeout_s"] = 10;
  settings["run"]["restart_backoff_s"] = 5;  // the time to edit the rankfile
  const fs::path config = write_config("cut_off", settings);
  const fs::path rankfile = root_ / "cut_off_rankfile";
  fs::copy_file(root_ / "rankfile", rankfile, fs::copy_options::overwrite_existing);
  const pid_t run = dact::testing::spawn_shell(
      mpi_environment() + on_host(1, train_command(config, "cut_off", "--rankfile " + rankfile.string())),
      root_ / "cut_off.out");
  ASSERT_TRUE(dact::testing::wait_for_text(root_ / "cut_off" / "stats.jsonl", "\"step\":10,", 300))
      << read_text(root_ / "cut_off.out");
  const double cut_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_EQ(run_shell_command("ip netns exec " + tag_ + "-h2 ip link set eth0 down").exit_code, 0);
  const bool restarted = dact::testing::wait_for_text(root_ / "cut_off" / "restarts.jsonl", "\n", 120);
  std::ofstream(rankfile) << "rank 0=" << kHost1 << " slot=0-1\nrank 1=" << kHost1 << " slot=0-1\nrank 2=" << kHost3
                          << " slot=0-1\nrank 3=" << kHost3 << " slot=0-1\nrank 4=" << kHost1 << " slot=0-1\n";
  const int exit_code = wait_exit(run, 600);
  run_shell_command("ip netns exec " + tag_ + "-h2 ip link set eth0 up");
  ASSERT_TRUE(restarted) << read_text(root_ / "cut_off.out");
  ASSERT_EQ(exit_code, 0) << read_text(root_ / "cut_off.out");

  std::ifstream restarts(root_ / "cut_off" / "restarts.jsonl");
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(restarts, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 1u) << read_text(root_ / "cut_off.out");
  const double detection_s = records[0].at("time").get<double>() - cut_at;
  std::printf("link down at step >= 10: restart recorded %.2f s after the cut (liveness timeout 10 s), cause %s, "
              "resumed from step %lld, %lld steps of work lost\n",
              detection_s, records[0].at("cause").get<std::string>().c_str(),
              static_cast<long long>(records[0].at("resumed_from_step").get<int64_t>()),
              static_cast<long long>(records[0].at("work_lost_steps").get<int64_t>()));
  EXPECT_LT(detection_s, 60);
  const std::string log = read_text(root_ / "cut_off" / "log.txt");
  EXPECT_NE(log.find("rank 2 is trainer 0 on " + tag_ + "-h3"), std::string::npos) << log;

  ASSERT_EQ(run_shell_command(train_command(config, "never_cut_off", "") + " > " +
                              (root_ / "never_cut_off.out").string() + " 2>&1")
                .exit_code,
            0)
      << read_text(root_ / "never_cut_off.out");
  for (const char* file : {"checkpoints/checkpoint-00000032.h5", "checkpoints/ema-00000032.h5"}) {
    dact::testing::expect_same_tensor_files((root_ / "cut_off" / file).string(), (root_ / "never_cut_off" / file).string());
  }
}

// The host of a joined evaluator loses its link while the evaluator holds a part: the
// coordinator declares it dead after run.liveness_timeout_s and re-queues the part, the
// evaluator joined from host 2 redoes it, and training never notices (no restart, exit
// 0, the snapshot's FD reported). Prints the detection time.
TEST_F(Cluster, LinkDownOnAnEvaluatorsHostCostsTrainingNothing) {
  nlohmann::json settings = tiny_config(true);
  settings["run"]["duration_kimg"] = 0.512;
  settings["run"]["liveness_timeout_s"] = 10;
  settings["ema"]["snapshot_every_kimg"] = 0.512;
  const fs::path config = write_config("evaluator_cut_off", settings);
  const fs::path run = root_ / "evaluator_cut_off";
  fs::create_directories(run);
  const std::string evaluator = "'" + dact::testing::dact_binary() + "' evaluator --run-dir " + run.string();
  // Both wait for the run; the snapshot's two parts go one to each. (With no evaluator
  // left, the run would stop waiting for its evaluations.)
  const pid_t remote = dact::testing::spawn_shell(on_host(3, evaluator + " --name remote"), root_ / "remote.out");
  const pid_t spare = dact::testing::spawn_shell(on_host(2, evaluator + " --name spare"), root_ / "spare.out");
  const pid_t training = dact::testing::spawn_shell(
      mpi_environment() + on_host(1, train_command(config, "evaluator_cut_off", "")), root_ / "evaluator_cut_off.out");
  const bool leased = dact::testing::wait_for_text(root_ / "remote.out", "started: part", 400);
  const double cut_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_EQ(run_shell_command("ip netns exec " + tag_ + "-h3 ip link set eth0 down").exit_code, 0);
  const bool requeued = dact::testing::wait_for_text(run / "log.txt", "; re-queued", 120);
  const double detection_s =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() - cut_at;
  const int training_exit = wait_exit(training, 600);
  const int spare_exit = wait_exit(spare, 60);
  run_shell_command("ip netns exec " + tag_ + "-h3 ip link set eth0 up");
  wait_exit(remote, 30);  // cut off from the run; killed if it has not given up by then
  ASSERT_TRUE(leased) << read_text(root_ / "remote.out");
  ASSERT_TRUE(requeued) << read_text(run / "log.txt");
  std::printf("evaluator's link down while it held a part: part re-queued %.2f s after the cut (liveness timeout 10 s)\n",
              detection_s);
  EXPECT_LT(detection_s, 30);
  ASSERT_EQ(training_exit, 0) << read_text(root_ / "evaluator_cut_off.out");
  EXPECT_EQ(spare_exit, 0) << read_text(root_ / "spare.out");
  EXPECT_FALSE(fs::exists(run / "restarts.jsonl"));
  std::ifstream metrics(run / "metrics.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(metrics, line)) << read_text(run / "log.txt");
  const nlohmann::json result = nlohmann::json::parse(line);
  const std::optional<std::string> fd = dact::workers::evaluator::fd_key_of_metrics_line(result);
  ASSERT_TRUE(fd) << result;
  EXPECT_GT(result.at(*fd).get<double>(), 0);
  EXPECT_EQ(result.at("evaluators"), nlohmann::json({"spare", "spare"})) << result;  // one part redone
}

}  // namespace
