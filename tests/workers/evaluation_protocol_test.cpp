// Evaluation protocols: the FD's name says how many images it saw, readers find it under
// any of its names, and fid50k accepts only Inception-v3 with TF1 preprocessing.
#include <gtest/gtest.h>

#include "workers/evaluator/evaluation_protocol.h"

namespace dact::workers::evaluator {
namespace {

TEST(EvaluationProtocol, FdIsNamedByItsImageCount) {
  EXPECT_EQ(fd_metric_name("", 256), "fd256");
  EXPECT_EQ(fd_metric_name("", 10000), "fd10k");
  EXPECT_EQ(fd_metric_name("", 50000), "fd50k");  // no protocol: not the paper's FID
  EXPECT_EQ(fd_metric_name("fid50k", 50000), "fid50k");
  EXPECT_EQ(fd_metric_name("fid50k", 10000), "fd10k");
  EXPECT_EQ(fd_metric_name("fid50k", 1500), "fd1500");
  EXPECT_THROW(fd_metric_name("fid10k", 10000), std::invalid_argument);

  const nlohmann::json renamed = named_by_protocol({{"fd", 3.5}, {"images", 256}, {"kid_mean", 0.1}}, "");
  EXPECT_EQ(renamed, nlohmann::json({{"fd256", 3.5}, {"images", 256}, {"kid_mean", 0.1}}));
}

TEST(EvaluationProtocol, ReadersFindTheFdUnderAnyName) {
  for (const char* key : {"fd", "fd256", "fd10k", "fid50k"}) {
    EXPECT_EQ(fd_key_of_metrics_line({{"kimg", 8}, {key, 1.5}, {"kid_mean", 0.2}}), key);
  }
  EXPECT_EQ(fd_key_of_metrics_line({{"kimg", 8}, {"psnr", 20.0}}), std::nullopt);
  EXPECT_EQ(fd_key_of_metrics_line({{"fdx", 1.0}, {"fd256", "text"}}), std::nullopt);
}

TEST(EvaluationProtocol, Fid50kMeasuresWithInceptionAndTf1Only) {
  const EvaluationProtocol fid50k = evaluation_protocol("fid50k");
  EXPECT_EQ(fid50k.images, 50000);
  EXPECT_NO_THROW(require_protocol_features(fid50k, "inception-v3/tf1@0123456789abcdef", "w.h5"));
  try {
    require_protocol_features(fid50k, "inception-v3/pytorch-fid@0123456789abcdef", "pt.h5");
    ADD_FAILURE() << "pytorch-fid preprocessing accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pt.h5 is 'inception-v3/pytorch-fid@"), std::string::npos) << e.what();
  }
  EXPECT_THROW(require_protocol_features(fid50k, "fashion-classifier@0123456789abcdef", "c.h5"),
               std::invalid_argument);
  EXPECT_THROW(evaluation_protocol("fid10k"), std::invalid_argument);
}

}  // namespace
}  // namespace dact::workers::evaluator
