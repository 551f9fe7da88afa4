// The run's secret join token: TCP members must present it to become members.
#pragma once

#include <string>

namespace dact::coordinator {

// 32 random bytes from the kernel (getrandom), as 64 lowercase hex digits.
std::string generate_join_token();

// Writes `token` to `path` with mode 0600 via a temporary file + fsync + rename, so the
// file is never readable by others nor ever partial. Throws TokenFileError naming the path.
void write_token_file(const std::string& path, const std::string& token);

// Reads a token file; throws TokenFileError if missing, empty, or readable by group/others.
std::string read_token_file(const std::string& path);

// Compares in time independent of where the strings differ.
bool tokens_match(const std::string& expected, const std::string& presented);

}  // namespace dact::coordinator
