// The coordinator protocol's version and message type ids (range 100..199, actors/message.h).
// Bump kProtocolVersion whenever any message below changes its wire layout; a member with
// a different version is refused at the handshake.
#pragma once

#include <cstdint>

#include "actors/envelope.h"

namespace dact::coordinator {

constexpr uint32_t kProtocolVersion = 1;

namespace message_type {
constexpr actors::MessageTypeId kRankHello = 100;
constexpr actors::MessageTypeId kRoleAssignment = 101;
constexpr actors::MessageTypeId kRefused = 102;
constexpr actors::MessageTypeId kJoinRequest = 103;
constexpr actors::MessageTypeId kJoinAccepted = 104;
constexpr actors::MessageTypeId kLeaveNotice = 105;
constexpr actors::MessageTypeId kJobRequest = 106;
constexpr actors::MessageTypeId kJobLease = 107;
constexpr actors::MessageTypeId kJobResult = 108;
constexpr actors::MessageTypeId kJobResultAck = 109;
constexpr actors::MessageTypeId kSubmitJob = 110;
constexpr actors::MessageTypeId kShutdownRequest = 111;
constexpr actors::MessageTypeId kShutdownAck = 112;
}  // namespace message_type

}  // namespace dact::coordinator
