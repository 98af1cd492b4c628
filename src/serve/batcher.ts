/** What one batch cost, for the metrics. */
export interface BatchReport {
  size: number;
  /** Seconds each item waited in the queue before its batch started. */
  waits: number[];
  /** Seconds the batch itself took. */
  seconds: number;
}

export interface BatcherOptions<I, R> {
  /** Items per batch at most. */
  maxBatch: number;
  /** How long the oldest queued item may wait for others to join its batch. */
  maxWaitMs: number;
  /** Runs one batch (one forward pass), synchronously; results in the items' order. */
  run: (items: I[]) => R[];
  onBatch?: (report: BatchReport) => void;
}

interface Queued<I, R> {
  item: I;
  at: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Dynamic batching: items from concurrent requests queue up and run together, as soon as `maxBatch`
 * are waiting or the oldest has waited `maxWaitMs`. A batch runs synchronously; the next one is
 * scheduled through the event loop, so requests that arrived meanwhile are read and join it.
 */
export class DynamicBatcher<I, R> {
  private readonly queue: Queued<I, R>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(private readonly options: BatcherOptions<I, R>) {}

  /** Items waiting for a batch. */
  get queued(): number {
    return this.queue.length;
  }

  /** The results of `items`, in order, once the batches holding them have run. */
  submit(items: readonly I[]): Promise<R[]> {
    const at = performance.now();
    const results = Promise.all(
      items.map(
        (item) => new Promise<R>((resolve, reject) => this.queue.push({ item, at, resolve, reject })),
      ),
    );
    this.schedule();
    return results;
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.immediate !== null) return;
    if (this.queue.length >= this.options.maxBatch) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.immediate = setImmediate(() => this.flush());
      return;
    }
    if (this.timer !== null) return;
    const wait = Math.max(0, this.queue[0].at + this.options.maxWaitMs - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.immediate = null;
    const taken = this.queue.splice(0, this.options.maxBatch);
    if (taken.length > 0) {
      const start = performance.now();
      try {
        const results = this.options.run(taken.map((q) => q.item));
        taken.forEach((q, i) => q.resolve(results[i]));
      } catch (error) {
        for (const q of taken) q.reject(error);
      }
      this.options.onBatch?.({
        size: taken.length,
        waits: taken.map((q) => (start - q.at) / 1000),
        seconds: (performance.now() - start) / 1000,
      });
    }
    this.schedule();
  }
}
