#include "launch/roles/evaluation_jobs.h"

#include <glog/logging.h>

#include "workers/evaluator/evaluation_messages.h"
#include "workers/evaluator/part_results.h"
#include "workers/evaluator/reconstruction_messages.h"
#include "workers/evaluator/reconstruction_results.h"
#include "workers/job_payload.h"
#include "workers/job_thread.h"

namespace dact::launch {
namespace {

// A job payload starts with its message's type id (workers/job_payload.h).
bool is_reconstruct_part(const actors::Bytes& payload) {
  actors::ByteReader reader(payload);
  return reader.u16() == workers::evaluator::ReconstructPart::kTypeId;
}

}  // namespace

void serve_evaluation_jobs(actors::Actor& actor, coordinator::MemberSession& session, int threads) {
  workers::evaluator::PartEvaluator sampled(threads);
  workers::evaluator::ReconstructionPartEvaluator reconstructed(threads);
  workers::JobThread jobs(
      [&sampled, &reconstructed](const actors::Bytes& payload) {
        return is_reconstruct_part(payload) ? reconstructed.evaluate(payload) : sampled.evaluate(payload);
      },
      [&actor, &session](uint64_t job_id, actors::Bytes result) {
        actor.post([&session, job_id, result = std::move(result)]() mutable {
          session.finish_job(job_id, std::move(result));
        });
      });
  session.on_job([&jobs](const coordinator::JobLease& lease) {
    if (jobs.busy()) {
      // Only after a reconnect: the coordinator took this member for a new one. The
      // lease runs out and the part goes to someone else.
      LOG(WARNING) << "evaluator: job " << lease.job_id << " leased while a part is computing; left to expire";
      return;
    }
    if (is_reconstruct_part(lease.payload)) {
      const auto part = workers::from_job_bytes<workers::evaluator::ReconstructPart>(lease.payload);
      LOG(INFO) << "evaluator: job " << lease.job_id << " started: part " << part.part_index << " (held-out images "
                << part.job.index_begin << ".." << part.job.index_end << ") of the snapshot at " << part.nimg
                << " images, attempt " << lease.attempt;
    } else {
      const auto part = workers::from_job_bytes<workers::evaluator::EvaluatePart>(lease.payload);
      LOG(INFO) << "evaluator: job " << lease.job_id << " started: part " << part.part_index << " (seeds "
                << part.job.seed_begin << ".." << part.job.seed_end << ") of the snapshot at " << part.nimg
                << " images, attempt " << lease.attempt;
    }
    jobs.start(lease.job_id, lease.payload);
  });
  session.on_result_ack([](const coordinator::JobResultAck& ack) {
    LOG(INFO) << "evaluator: job " << ack.job_id << (ack.accepted ? " accepted" : " not accepted (done elsewhere or cancelled)");
  });
  actor.run();
}

}  // namespace dact::launch
