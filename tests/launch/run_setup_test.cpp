// Resolving the config of a run that already exists: its stored config wins, and an
// override may repeat a training setting's stored value (as dataset.encode_from does
// when it resumes its autoencoder run) but not change it.
#include <gtest/gtest.h>

#include "config/config_error.h"
#include "launch/config/config_document.h"
#include "launch/run_setup.h"
#include "tests/support/temp_dir.h"

namespace dact::launch {
namespace {

TEST(ResolveRunConfig, ResumingAcceptsTheStoredTrainingValuesAndRefusesOthers) {
  const dact::testing::TempDir dir("dact-resolve-run-config");
  TrainRequest request;
  request.run_dir = dir / "run";
  request.overrides = {"trainer.batch=32", "trainer.batch_per_rank=16"};
  record_run_config(request.run_dir, resolve_run_config(request));

  request.overrides = {"trainer.batch=32", "run.duration_kimg=3"};
  const RunConfig resumed = resolve_run_config(request);
  EXPECT_EQ(resumed.trainer.batch, 32);
  EXPECT_EQ(resumed.trainer.batch_per_rank, 16);  // stored, not the preset's
  EXPECT_EQ(resumed.run.duration_kimg, 3);

  request.overrides = {"trainer.batch=64"};
  try {
    resolve_run_config(request);
    ADD_FAILURE() << "a changed training setting was accepted on resume";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("override 'trainer.batch=64': " + request.run_dir +
                                         " already holds a run with another value"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dact::launch
