#include "coordinator/join_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "coordinator/config_hash.h"
#include "coordinator/coordinator_errors.h"

namespace dact::coordinator {
namespace {

std::string temp_dir() {
  char pattern[] = "/tmp/dact_token_test_XXXXXX";
  return mkdtemp(pattern);
}

TEST(JoinToken, Is64HexDigitsAndFresh) {
  const std::string a = generate_join_token();
  const std::string b = generate_join_token();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(JoinToken, FileIsPrivateToItsOwnerAndRoundTrips) {
  const std::string path = temp_dir() + "/join_token";
  const std::string token = generate_join_token();
  write_token_file(path, token);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(read_token_file(path), token);
}

TEST(JoinToken, ReadingAWorldReadableFileIsRefused) {
  const std::string path = temp_dir() + "/join_token";
  write_token_file(path, "secret");
  chmod(path.c_str(), 0644);
  EXPECT_THROW(read_token_file(path), TokenFileError);
  EXPECT_THROW(read_token_file(path + ".missing"), TokenFileError);
}

TEST(JoinToken, MatchingIsExact) {
  EXPECT_TRUE(tokens_match("abc", "abc"));
  EXPECT_FALSE(tokens_match("abc", "abd"));
  EXPECT_FALSE(tokens_match("abc", "ab"));
  EXPECT_FALSE(tokens_match("abc", ""));
}

TEST(ConfigHash, IgnoresKeyOrderAndSeesValueChanges) {
  const auto a = nlohmann::json::parse(R"({"lr": 0.01, "roles": {"trainer": 2}})");
  const auto b = nlohmann::json::parse(R"({ "roles": {"trainer": 2}, "lr": 0.01 })");
  const auto c = nlohmann::json::parse(R"({"lr": 0.02, "roles": {"trainer": 2}})");
  EXPECT_EQ(config_hash(a), config_hash(b));
  EXPECT_NE(config_hash(a), config_hash(c));
}

}  // namespace
}  // namespace dact::coordinator
