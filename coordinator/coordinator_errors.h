// Typed errors of the coordinator layer; messages name the rank, member, job or key.
#pragma once

#include <stdexcept>

namespace dact::coordinator {

class CoordinatorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The roles map does not fit the MPI world, or names a role twice.
class RoleConfigError : public CoordinatorError {
 public:
  using CoordinatorError::CoordinatorError;
};

// The coordinator refused this member (handshake or join); the member must exit.
class MembershipRefused : public CoordinatorError {
 public:
  using CoordinatorError::CoordinatorError;
};

// An MPI member was lost; the world cannot continue (restart is the supervisor's job).
class WorldMemberLost : public CoordinatorError {
 public:
  using CoordinatorError::CoordinatorError;
};

// The join token file is missing, unreadable or not private to its owner.
class TokenFileError : public CoordinatorError {
 public:
  using CoordinatorError::CoordinatorError;
};

}  // namespace dact::coordinator
