// IngestBackpressure: a process-wide account of memory that ingest creates
// and a background task frees later — the in-memory heads, which the
// flusher turns into segments — so that ingest can wait for that task
// instead of letting the memory grow without bound.
//
// Holders (heads) register, report their bytes as they grow and unregister
// when they go. The WAL thread calls Wait() before it writes each group:
// while the holders exceed the limit and more than one holder is alive (the
// others are frozen heads waiting for, or in, a flush; waiting for the only
// holder would free nothing) it waits, so batches queue up before the disk
// (the queue bounds then answer 503) rather than in the heads. A wait is
// bounded by max_wait; after one times out, Wait() does not wait again until
// a holder has gone (a failing flusher costs one wait, then ingest goes on
// as without a limit).
//
// Off (limit 0) unless set: `agentperf serve` sets it; tests and embedded
// uses do not.
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace agentperf::backpressure {

struct Stats {
  uint64_t bytes = 0;     // held by live holders, as last reported
  uint64_t holders = 0;   // live holders
  uint64_t limit = 0;     // 0 = off
  uint64_t waits = 0;     // Wait() calls that waited
  uint64_t wait_ms = 0;   // total time waited
  uint64_t timeouts = 0;  // waits that gave up
};

void SetLimit(uint64_t bytes, std::chrono::milliseconds max_wait = std::chrono::seconds(10));
Stats GetStats();

// Holders: Register() once (with their initial bytes), Update() as they
// change, Unregister() with their last reported bytes when they go.
void Register(uint64_t bytes);
void Update(uint64_t old_bytes, uint64_t new_bytes);
void Unregister(uint64_t bytes);

// True if Wait() would wait now.
bool ShouldWait();
// Waits while ShouldWait() (bounded, see above) or until `abort()` returns
// true (polled every few milliseconds; may be null). Returns true if it waited.
bool Wait(const std::function<bool()>& abort);

}  // namespace agentperf::backpressure
