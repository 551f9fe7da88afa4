#pragma once
// A directory built under a temporary name beside its final one and renamed into place
// when complete (the directory-sized version of atomic_file.h): a failed or interrupted
// build never leaves a half-written directory at the final name, and never changes
// what is already there.
//
//   StagedDirectory staged(dest);                  // refuses a non-empty dest
//   write_everything_into(staged.staging_path());
//   staged.commit();                               // dest now holds all of it
#include <string>

namespace dact::storage {

class StagedDirectory {
 public:
  // Creates ".<name>.staging-XXXXXX" beside `final_path` (and any missing parents).
  // A `final_path` that exists and is not an empty directory is a StorageError naming
  // it: nothing of it is ever replaced.
  explicit StagedDirectory(std::string final_path);
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;
  // Removes the staging directory and everything in it unless commit() succeeded.
  ~StagedDirectory();

  const std::string& final_path() const { return final_path_; }
  const std::string& staging_path() const { return staging_path_; }

  // Renames the staging directory to final_path() and fsyncs the parent. The files in
  // it must already be durable (AtomicFile fsyncs each). Throws StorageError naming
  // final_path() when the rename fails (e.g. something appeared there meanwhile).
  void commit();

 private:
  std::string final_path_;
  std::string staging_path_;
  bool committed_ = false;
};

}  // namespace dact::storage
