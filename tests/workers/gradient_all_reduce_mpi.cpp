// Runs under `mpirun -np 2`: the overlapped, bucketed MPI all-reduce (the default
// `trainer.allreduce`) must leave every
// trainer with exactly the sum of the trainers' accumulated gradients, whatever the
// bucket size, with accumulation rounds (only the last backward may start buckets) and
// with a parameter that gets no gradient in a step.
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/torch.h>

#include <torch/cuda.h>

#include "workers/trainer/gradient_all_reduce.h"
#include "workers/trainer/trainer_device.h"

namespace dact::workers::trainer {
namespace {

struct TinyNet : torch::nn::Module {
  TinyNet() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 4, 3).padding(1)));
    hidden = register_module("hidden", torch::nn::Linear(4 * 8 * 8, 16));
    head = register_module("head", torch::nn::Linear(16, 3));
    unused = register_parameter("unused", torch::ones({5}));  // never in the graph
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return head(torch::relu(hidden(torch::relu(conv(x)).flatten(1))));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::Linear hidden{nullptr}, head{nullptr};
  torch::Tensor unused;
};

// The micro-batch of (trainer, round): a pure function, so every rank can recompute any.
torch::Tensor micro_batch_loss(TinyNet& net, int trainer, int round) {
  torch::manual_seed(1000 * trainer + round);
  const torch::Tensor x = torch::randn({4, 2, 8, 8});
  return net.forward(x).pow(2).mean();
}

std::vector<torch::Tensor> local_gradients(TinyNet& net, int trainer, int rounds) {
  for (auto& p : net.parameters()) p.mutable_grad() = torch::zeros_like(p);
  for (int round = 0; round < rounds; ++round) micro_batch_loss(net, trainer, round).backward();
  std::vector<torch::Tensor> grads;
  for (auto& p : net.parameters()) grads.push_back(p.grad().clone());
  return grads;
}

int rank_of_world() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

class GradientAllReduceMpi : public ::testing::TestWithParam<int64_t> {};

TEST_P(GradientAllReduceMpi, LeavesTheExactSumOfAccumulatedGradients) {
  constexpr int kRounds = 3, kSteps = 2;
  const int rank = rank_of_world();
  torch::manual_seed(7);
  auto net = std::make_shared<TinyNet>();
  auto reference = std::make_shared<TinyNet>();  // same weights, no all-reduce attached
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < net->parameters().size(); ++i) reference->parameters()[i].copy_(net->parameters()[i]);
  }
  // As the trainer role builds it for `trainer.allreduce: mpi` (the default).
  auto all_reduce = make_gradient_all_reduce(TrainerConfig{}.allreduce, MPI_COMM_WORLD, net->parameters(), GetParam());
  ASSERT_EQ(all_reduce->num_trainers(), 2);

  for (int step = 0; step < kSteps; ++step) {  // the hooks must re-arm cleanly every step
    for (auto& p : net->parameters()) p.mutable_grad() = torch::zeros_like(p);
    double loss_local = 0;
    for (int round = 0; round < kRounds; ++round) {
      if (round == kRounds - 1) all_reduce->arm_for_final_backward();
      const torch::Tensor loss = micro_batch_loss(*net, rank, round);
      loss.backward();
      loss_local += loss.item<double>();
    }
    const torch::Tensor loss_sum = torch::tensor(loss_local, torch::kFloat64);
    all_reduce->finish({loss_sum});

    const std::vector<torch::Tensor> g0 = local_gradients(*reference, 0, kRounds);
    const std::vector<torch::Tensor> g1 = local_gradients(*reference, 1, kRounds);
    for (size_t i = 0; i < g0.size(); ++i) {
      // Two addends: the sum is the same bits in either order.
      EXPECT_TRUE(torch::equal(net->parameters()[i].grad(), g0[i] + g1[i])) << "parameter " << i;
    }
    double expected_loss = 0;
    for (int trainer = 0; trainer < 2; ++trainer) {
      double trainer_loss = 0;
      for (int round = 0; round < kRounds; ++round) trainer_loss += micro_batch_loss(*reference, trainer, round).item<double>();
      expected_loss += trainer_loss;
    }
    EXPECT_NEAR(loss_sum.item<double>(), expected_loss, 1e-12 * std::abs(expected_loss));
  }
}

// The MPI all-reduce trains on the CPU; NCCL asks for a CUDA device, which a CPU-only
// LibTorch (Debian's) does not have: the trainer fails saying so.
TEST(TrainerDevice, MpiTrainsOnTheCpuAndNcclNeedsACudaDevice) {
  EXPECT_EQ(trainer_device(AllReduceBackend::kMpi, MPI_COMM_WORLD), torch::Device(torch::kCPU));
  if (torch::cuda::device_count() > 0) GTEST_SKIP() << "this LibTorch sees a CUDA device";
  try {
    trainer_device(AllReduceBackend::kNccl, MPI_COMM_WORLD);
    ADD_FAILURE() << "no error without a CUDA device";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("trainer.allreduce is 'nccl' but this trainer sees no CUDA device"),
              std::string::npos)
        << error.what();
  }
}

// 64 bytes: a bucket per parameter; 4 KiB: several parameters per bucket; 1 GiB: one bucket.
INSTANTIATE_TEST_SUITE_P(BucketSizes, GradientAllReduceMpi, ::testing::Values(64, 4096, int64_t{1} << 30));

}  // namespace
}  // namespace dact::workers::trainer

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  MPI_Init(&argc, &argv);
  const int failed = RUN_ALL_TESTS();
  MPI_Finalize();
  return failed;
}
