#include "coordinator/join_token.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "coordinator/coordinator_errors.h"

namespace dact::coordinator {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::string generate_join_token() {
  std::array<unsigned char, 32> random_bytes;
  size_t filled = 0;
  while (filled < random_bytes.size()) {
    const ssize_t got = getrandom(random_bytes.data() + filled, random_bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw CoordinatorError("getrandom for the join token: " + errno_text());
    }
    filled += static_cast<size_t>(got);
  }
  std::string token;
  for (unsigned char byte : random_bytes) token += fmt::format("{:02x}", byte);
  return token;
}

void write_token_file(const std::string& path, const std::string& token) {
  const std::string temp_path = path + ".tmp";
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw TokenFileError(fmt::format("{}: cannot create: {}", temp_path, errno_text()));
  // O_CREAT does not change the mode of a file left behind by a crash; force it.
  bool ok = ::fchmod(fd, 0600) == 0;
  ok = ok && ::write(fd, token.data(), token.size()) == static_cast<ssize_t>(token.size());
  ok = ok && ::fsync(fd) == 0;
  const std::string write_error = ok ? "" : errno_text();
  ::close(fd);
  if (!ok) {
    ::unlink(temp_path.c_str());
    throw TokenFileError(fmt::format("{}: cannot write: {}", temp_path, write_error));
  }
  if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    throw TokenFileError(fmt::format("{}: cannot rename into place: {}", path, errno_text()));
  }
}

std::string read_token_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw TokenFileError(fmt::format("{}: cannot open: {}", path, errno_text()));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || (info.st_mode & 077) != 0) {
    ::close(fd);
    throw TokenFileError(fmt::format("{}: mode {:o}, expected 600 (token must stay private)",
                                     path, info.st_mode & 0777));
  }
  std::string token(4096, '\0');
  const ssize_t got = ::read(fd, token.data(), token.size());
  ::close(fd);
  if (got <= 0) throw TokenFileError(fmt::format("{}: empty or unreadable", path));
  token.resize(static_cast<size_t>(got));
  return token;
}

bool tokens_match(const std::string& expected, const std::string& presented) {
  if (expected.size() != presented.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    difference |= static_cast<unsigned char>(expected[i] ^ presented[i]);
  }
  return difference == 0;
}

}  // namespace dact::coordinator
