// Decoding (JPEG, PNG) and resampling (Pillow's BOX / BICUBIC / LANCZOS, EDM2's crops)
// against Pillow's own outputs, written at test time by make_image_sources.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "storage/image_sources/image_decode.h"
#include "storage/image_sources/image_transform.h"
#include "storage/image_sources/pil_resample.h"
#include "storage/png_image.h"
#include "storage/storage_error.h"
#include "tests/storage/image_source_files.h"

namespace dact::storage {
namespace {

namespace fs = std::filesystem;
using testing::image_sources_dir;
using testing::max_abs_difference;

PilFilter pil_filter_named(const std::string& name) {
  if (name == "box") return PilFilter::kBox;
  if (name == "bicubic") return PilFilter::kBicubic;
  return PilFilter::kLanczos;
}

TEST(PilResize, MatchesPillowOnEveryCaseWithinOne) {
  const std::string dir = image_sources_dir() + "/resample";
  const nlohmann::json cases = nlohmann::json::parse(std::ifstream(dir + "/cases.json"));
  ASSERT_GE(cases.size(), 10u);
  for (const nlohmann::json& item : cases) {
    const std::string name = item.at("name");
    const std::string op = item.at("op");
    const torch::Tensor source = read_png_rgb(dir + "/" + name + ".src.png");
    const torch::Tensor expected = read_png_rgb(dir + "/" + name + ".expected.png");
    const torch::Tensor actual =
        item.contains("resolution")
            ? apply_image_transform(parse_image_transform(op), source, item.at("resolution"))
            : pil_resize(source, item.at("width"), item.at("height"), pil_filter_named(op));
    ASSERT_EQ(actual.sizes(), expected.sizes()) << name;
    EXPECT_LE(max_abs_difference(actual, expected), 1) << name;
  }
}

TEST(PilResize, BoxHalvingAveragesPairsRoundingHalfUp) {
  // Two passes, each rounding to uint8: rows (a + b + 1) / 2, then columns likewise.
  const torch::Tensor image = torch::tensor({0, 1, 2, 3, 10, 11, 250, 255}, torch::kUInt8).view({1, 2, 4});
  const torch::Tensor halved = pil_resize(image, 2, 1, PilFilter::kBox);
  const int rows[2][2] = {{(0 + 1 + 1) / 2, (2 + 3 + 1) / 2}, {(10 + 11 + 1) / 2, (250 + 255 + 1) / 2}};
  const torch::Tensor expected = torch::tensor(
      {(rows[0][0] + rows[1][0] + 1) / 2, (rows[0][1] + rows[1][1] + 1) / 2}, torch::kUInt8);
  EXPECT_TRUE(torch::equal(halved.flatten(), expected)) << halved;
}

TEST(PilResize, UniformImageStaysUniformAndSameSizeIsUnchanged) {
  // Normalised weights sum to one: any resize of a constant image is that constant.
  const torch::Tensor grey = torch::full({3, 13, 17}, 91, torch::kUInt8);
  for (PilFilter filter : {PilFilter::kBox, PilFilter::kBicubic, PilFilter::kLanczos}) {
    EXPECT_TRUE(torch::equal(pil_resize(grey, 5, 29, filter), torch::full({3, 29, 5}, 91, torch::kUInt8)));
  }
  const torch::Tensor noise = torch::randint(0, 256, {3, 6, 7}).to(torch::kUInt8);
  EXPECT_TRUE(torch::equal(pil_resize(noise, 7, 6, PilFilter::kBicubic), noise));
}

TEST(ImageTransform, UnknownNameListsTheKnownOnes) {
  try {
    parse_image_transform("center-crop-wide");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("center-crop-dhariwal"), std::string::npos) << e.what();
  }
}

TEST(JpegDecode, MatchesPillowForRgbGrayCmykProgressiveAndAPngNamedJpeg) {
  const std::string dir = image_sources_dir() + "/imagenet";
  const nlohmann::json listing = nlohmann::json::parse(std::ifstream(dir + ".json"));
  ASSERT_EQ(listing.at("images").size(), 5u);
  for (size_t i = 0; i < listing.at("images").size(); ++i) {
    const std::string path = dir + "/" + listing["images"][i].get<std::string>();
    const torch::Tensor expected = read_png_rgb(dir + "/decoded/" + std::to_string(i) + ".png");
    EXPECT_LE(max_abs_difference(read_image_rgb(path), expected), 1) << path;
  }
}

// The first `fraction` of `from`'s bytes, as `to`.
void write_truncated_copy(const std::string& from, const std::string& to, double fraction) {
  std::ifstream in(from, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::ofstream(to, std::ios::binary) << bytes.substr(0, static_cast<size_t>(bytes.size() * fraction));
}

std::string decode_error(const std::string& path) {
  try {
    read_image_rgb(path);
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

TEST(JpegDecode, TruncatedFileIsAnErrorNamingIt) {
  const dact::testing::TempDir temp;
  const std::string jpeg =
      image_sources_dir() + "/imagenet/train/n01440764/n01440764_1.JPEG";
  write_truncated_copy(jpeg, temp / "half.JPEG", 0.6);
  const std::string error = decode_error(temp / "half.JPEG");
  EXPECT_NE(error.find(temp / "half.JPEG"), std::string::npos) << error;
  EXPECT_NE(error.find("Premature end of JPEG file"), std::string::npos) << error;

  write_truncated_copy(jpeg, temp / "header_only.JPEG", 0.05);
  const std::string header_error = decode_error(temp / "header_only.JPEG");
  EXPECT_NE(header_error.find("header_only.JPEG: cannot decode JPEG"), std::string::npos)
      << header_error;
}

TEST(JpegDecode, GarbageAfterTheStartMarkerIsAnErrorNotAnExit) {
  const dact::testing::TempDir temp;
  std::ofstream(temp / "bad.jpg", std::ios::binary) << std::string("\xff\xd8\xff\xe0garbage", 11);
  EXPECT_NE(decode_error(temp / "bad.jpg").find("bad.jpg: cannot decode JPEG"), std::string::npos);
  std::ofstream(temp / "text.JPEG") << "not an image";
  EXPECT_NE(decode_error(temp / "text.JPEG").find("text.JPEG: not a PNG or JPEG image"),
            std::string::npos);
}

TEST(ImageDecode, ExtensionsPillowWouldOpenCountAsImages) {
  EXPECT_TRUE(has_image_extension("train/n1/x.JPEG"));
  EXPECT_TRUE(has_image_extension("a.png"));
  EXPECT_TRUE(has_image_extension("a.webp"));  // refused when decoded, never skipped
  EXPECT_FALSE(has_image_extension("dataset.json"));
  EXPECT_FALSE(has_image_extension("README"));
}

}  // namespace
}  // namespace dact::storage
