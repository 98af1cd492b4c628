// A fixed set of worker threads that run one job at a time with the calling thread. Kernel calls
// are synchronous: `run` returns when every thread that took part is done.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace lora {

class Pool {
 public:
  /** threads − 1 workers; the caller of `run` is thread 0. */
  explicit Pool(int threads);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  /**
   * Calls fn(ctx, t) on the calling thread (t = 0) and on workers t = 1 … participants − 1 that wake
   * in time. Work is meant to be pulled from a shared counter inside fn, so the caller alone finishes
   * a job whose workers are slow to wake (a busy machine); it then waits only for workers already
   * inside the job: it marks the job closed, and a worker arriving later turns back.
   */
  void run(void (*fn)(void*, int), void* ctx, int participants);

 private:
  void work(int index);

  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> closed_{0};
  std::atomic<int> active_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> quit_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  // The current job: written before `generation_` is bumped, read by workers after they see it.
  void (*fn_)(void*, int) = nullptr;
  void* ctx_ = nullptr;
  int participants_ = 0;
};

/**
 * Runs f(task) for every task < tasks on up to `threads` threads of the pool, each task exactly once;
 * which thread runs a task must not change its result (callers keep every output element in one task).
 */
template <class F>
void parallel_tasks(Pool& pool, int threads, int64_t tasks, F&& f) {
  if (threads <= 1 || tasks <= 1 || pool.threads() <= 1) {
    for (int64_t t = 0; t < tasks; t++) f(t);
    return;
  }
  struct Ctx {
    std::remove_reference_t<F>* f;
    std::atomic<int64_t> next;
    int64_t tasks;
  } ctx{&f, {0}, tasks};
  pool.run(
      [](void* p, int) {
        Ctx* c = static_cast<Ctx*>(p);
        for (int64_t t = c->next.fetch_add(1); t < c->tasks; t = c->next.fetch_add(1)) (*c->f)(t);
      },
      &ctx, threads);
}

}  // namespace lora
