// JobThread: jobs run off the caller's thread, one at a time, and each result reaches
// the completion callback with its job id.
#include "workers/job_thread.h"

#include <gtest/gtest.h>

#include <future>

namespace dact::workers {
namespace {

TEST(JobThread, RunsJobsOffTheCallingThreadOneAtATime) {
  std::promise<std::thread::id> ran_on;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<std::pair<uint64_t, actors::Bytes>> first_done, second_done;
  int finished = 0;
  JobThread jobs(
      [&](const actors::Bytes& payload) {
        if (payload.at(0) == std::byte{1}) {
          ran_on.set_value(std::this_thread::get_id());
          released.wait();
        }
        actors::Bytes result = payload;
        result.push_back(std::byte{42});
        return result;
      },
      [&](uint64_t job_id, actors::Bytes result) {
        (finished++ == 0 ? first_done : second_done).set_value({job_id, std::move(result)});
      });
  jobs.start(5, {std::byte{1}});
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
  EXPECT_TRUE(jobs.busy());
  EXPECT_THROW(jobs.start(6, {std::byte{2}}), std::logic_error);  // one at a time
  release.set_value();
  const auto first = first_done.get_future().get();
  EXPECT_EQ(first.first, 5u);
  EXPECT_EQ(first.second, (actors::Bytes{std::byte{1}, std::byte{42}}));
  jobs.start(6, {std::byte{2}});
  const auto second = second_done.get_future().get();
  EXPECT_EQ(second.first, 6u);
  EXPECT_EQ(second.second, (actors::Bytes{std::byte{2}, std::byte{42}}));
}

}  // namespace
}  // namespace dact::workers
