#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "launch/config/config_document.h"
#include "config/config_reader.h"

namespace dact::launch {
namespace {

using nlohmann::json;

struct ExampleConfig {
  int batch = 64;
  double lr = 0.01;
  bool fused = false;
  std::string name = "x";
  std::vector<double> stds{0.05, 0.1};
  std::map<std::string, int> roles;
  int ema_every = 1;
};

ExampleConfig parse_example(const json& document) {
  ExampleConfig config;
  config::ConfigReader reader(document, "");
  config::ConfigReader trainer = reader.child("trainer");
  trainer.optional("batch", config.batch);
  trainer.required("lr", config.lr);
  trainer.optional("fused", config.fused);
  trainer.finish();
  reader.optional("name", config.name);
  reader.optional("stds", config.stds);
  reader.optional("roles", config.roles);
  config::ConfigReader ema = reader.child("ema");
  ema.optional("every", config.ema_every);
  ema.finish();
  reader.finish();
  return config;
}

std::string error_of(const json& document) {
  try {
    parse_example(document);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigReader, ReadsTypedFieldsAndKeepsDefaults) {
  const ExampleConfig config = parse_example(json::parse(R"({
      "trainer": {"lr": 0.5, "fused": true}, "stds": [0.2],
      "roles": {"trainer": 2, "ema": 1}})"));
  EXPECT_EQ(config.batch, 64);
  EXPECT_DOUBLE_EQ(config.lr, 0.5);
  EXPECT_TRUE(config.fused);
  EXPECT_EQ(config.stds, std::vector<double>{0.2});
  EXPECT_EQ(config.roles.at("trainer"), 2);
  EXPECT_EQ(config.ema_every, 1);
}

TEST(ConfigReader, UnknownKeyIsNamedWithItsFullPath) {
  const std::string error = error_of(json::parse(R"({"trainer": {"lr": 1, "bacth": 3}})"));
  EXPECT_NE(error.find("'trainer.bacth'"), std::string::npos) << error;
  EXPECT_NE(error_of(json::parse(R"({"trainer": {"lr": 1}, "emma": {}})")).find("'emma'"),
            std::string::npos);
}

TEST(ConfigReader, WrongTypesAreNamed) {
  std::string error = error_of(json::parse(R"({"trainer": {"lr": 1, "batch": "64"}})"));
  EXPECT_NE(error.find("'trainer.batch' must be an integer"), std::string::npos) << error;
  error = error_of(json::parse(R"({"trainer": {"lr": 1, "batch": 6.5}})"));
  EXPECT_NE(error.find("'trainer.batch' must be an integer"), std::string::npos) << error;
  error = error_of(json::parse(R"({"trainer": {"lr": 1}, "stds": [0.1, "a"]})"));
  EXPECT_NE(error.find("'stds[1]' must be a number"), std::string::npos) << error;
  error = error_of(json::parse(R"({"trainer": {"lr": 1}, "roles": {"ema": true}})"));
  EXPECT_NE(error.find("'roles.ema' must be an integer"), std::string::npos) << error;
  error = error_of(json::parse(R"({"trainer": 3})"));
  EXPECT_NE(error.find("'trainer' must be an object"), std::string::npos) << error;
}

TEST(ConfigReader, MissingRequiredKeyIsNamed) {
  const std::string error = error_of(json::parse(R"({"trainer": {}})"));
  EXPECT_NE(error.find("missing required key 'trainer.lr'"), std::string::npos) << error;
}

TEST(ConfigDocument, OverridesParseJsonValuesAndCreateKeys) {
  json document = json::parse(R"({"trainer": {"lr": 1, "batch": 8}})");
  apply_override(document, "trainer.batch=32");
  apply_override(document, "trainer.lr=2.5e-3");
  apply_override(document, "name=fashion run");
  apply_override(document, "stds=[0.05,0.2]");
  apply_override(document, "ema.every=4");
  const ExampleConfig config = parse_example(document);
  EXPECT_EQ(config.batch, 32);
  EXPECT_DOUBLE_EQ(config.lr, 2.5e-3);
  EXPECT_EQ(config.name, "fashion run");
  EXPECT_EQ(config.stds, (std::vector<double>{0.05, 0.2}));
  EXPECT_EQ(config.ema_every, 4);
  apply_override(document, "trainer.btach=1");
  EXPECT_NE(error_of(document).find("'trainer.btach'"), std::string::npos);
  EXPECT_THROW(apply_override(document, "no_equals_sign"), config::ConfigError);
  EXPECT_THROW(apply_override(document, "name.inner=1"), config::ConfigError);
}

TEST(ConfigDocument, YamlAndJsonFilesGiveTheSameDocumentAndHash) {
  const auto dir = std::filesystem::temp_directory_path() / ("dact_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.json") << R"({"trainer": {"lr": 0.01, "batch": 64}, "name": "007", "stds": [0.05, 0.1]})";
  std::ofstream(dir / "a.yaml") << "stds: [0.05, 0.1]\nname: '007'\ntrainer:\n  batch: 64\n  lr: 0.01\n";
  const json from_json = load_config_file((dir / "a.json").string());
  const json from_yaml = load_config_file((dir / "a.yaml").string());
  EXPECT_EQ(from_json, from_yaml);
  EXPECT_EQ(config_hash(from_json), config_hash(from_yaml));
  json changed = from_json;
  apply_override(changed, "trainer.batch=65");
  EXPECT_NE(config_hash(changed), config_hash(from_json));
  std::ofstream(dir / "bad.json") << "{\"trainer\": ";
  try {
    load_config_file((dir / "bad.json").string());
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(ConfigDocument, UnknownPresetListsTheKnownOnes) {
  try {
    load_preset("no-such-preset");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-preset"), std::string::npos);
  }
}

}  // namespace
}  // namespace dact::launch
