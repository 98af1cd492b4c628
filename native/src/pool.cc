#include "pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace lora {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

/**
 * How long a worker polls for the next job before it sleeps: kernel calls come in bursts with a
 * little JavaScript between them, and a futex wake-up costs tens of microseconds.
 */
constexpr auto kWorkerSpin = std::chrono::microseconds(200);
/** Polls of `active_` by the caller before it starts yielding its core to the workers it waits for. */
constexpr int kCallerSpins = 2000;

}  // namespace

Pool::Pool(int threads) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { work(i); });
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void Pool::run(void (*fn)(void*, int), void* ctx, int participants) {
  if (participants <= 1 || workers_.empty()) {
    fn(ctx, 0);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  participants_ = participants;
  const uint64_t generation = generation_.fetch_add(1) + 1;
  // A worker counts itself a sleeper before it checks the generation: either it sees the new one,
  // or we see it and wake it (under the mutex, so it is already waiting or not yet checking).
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  fn(ctx, 0);
  closed_.store(generation);
  // A worker announces itself (active_ + 1) before it checks closed_; we wrote closed_ before reading
  // active_: with sequentially consistent atomics one of us sees the other.
  for (int spins = 0; active_.load() > 0; spins++) {
    if (spins < kCallerSpins) cpu_relax();
    else std::this_thread::yield();
  }
}

void Pool::work(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t generation = generation_.load();
    if (generation == seen) {
      const auto until = std::chrono::steady_clock::now() + kWorkerSpin;
      for (int i = 1; (generation = generation_.load()) == seen; i++) {
        cpu_relax();
        if ((i & 255) == 0 && std::chrono::steady_clock::now() > until) break;
      }
      if (generation == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] { return (generation = generation_.load()) != seen; });
        sleepers_.fetch_sub(1);
      }
    }
    if (quit_.load()) return;
    seen = generation;
    active_.fetch_add(1);
    if (closed_.load() < seen && index < participants_) fn_(ctx_, index);
    active_.fetch_sub(1);
  }
}

}  // namespace lora
