import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchReport } from './batcher.js';

/** Seconds over which examples/s is averaged. */
const RATE_WINDOW_S = 10;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricSources {
  queued: () => number;
  adapters: () => number;
}

/**
 * The server's metrics in Prometheus' text format: requests and errors by route and status, request
 * latency, batch sizes and times, queue waits, texts classified, examples/s over the last ten
 * seconds, adapters loaded, queue depth and resident memory.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly errors: Counter<'route' | 'status'>;
  private readonly latency: Histogram<'route'>;
  private readonly batchSize: Histogram;
  private readonly batchSeconds: Histogram;
  private readonly queueSeconds: Histogram;
  private readonly texts: Counter<'adapter'>;
  private readonly truncated: Counter;
  /** [time in ms, examples] of recent batches, oldest first. */
  private readonly recent: [number, number][] = [];

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'lora_lab_http_requests_total',
      help: 'HTTP requests answered, by route, method and status.',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    });
    this.errors = new Counter({
      name: 'lora_lab_http_errors_total',
      help: 'HTTP requests answered with a 4xx or 5xx status, by route and status.',
      labelNames: ['route', 'status'] as const,
      registers,
    });
    this.latency = new Histogram({
      name: 'lora_lab_http_request_duration_seconds',
      help: 'Time from a request arriving to its response being sent.',
      labelNames: ['route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: 'lora_lab_batch_size',
      help: 'Texts per forward pass.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'lora_lab_batch_duration_seconds',
      help: 'Time of one forward pass over a batch.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueSeconds = new Histogram({
      name: 'lora_lab_queue_seconds',
      help: 'Time a text waited in the queue before its batch started.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.texts = new Counter({
      name: 'lora_lab_texts_total',
      help: 'Texts classified, by adapter ("" for the base model).',
      labelNames: ['adapter'] as const,
      registers,
    });
    this.truncated = new Counter({
      name: 'lora_lab_truncated_texts_total',
      help: 'Texts cut to the maximum length before classification.',
      registers,
    });
    const recent = this.recent;
    new Gauge({
      name: 'lora_lab_examples_per_second',
      help: `Texts classified per second over the last ${RATE_WINDOW_S} seconds.`,
      registers,
      collect() {
        const now = performance.now();
        while (recent.length > 0 && recent[0][0] < now - RATE_WINDOW_S * 1000) recent.shift();
        this.set(recent.reduce((sum, [, n]) => sum + n, 0) / RATE_WINDOW_S);
      },
    });
    new Gauge({
      name: 'lora_lab_queue_depth',
      help: 'Texts waiting for a batch.',
      registers,
      collect() {
        this.set(sources.queued());
      },
    });
    new Gauge({
      name: 'lora_lab_adapters_loaded',
      help: 'Adapters loaded.',
      registers,
      collect() {
        this.set(sources.adapters());
      },
    });
    new Gauge({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
  }

  /** A response sent: `route` is the route's pattern (or "unmatched"). */
  response(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    if (status >= 400) this.errors.inc({ route, status: String(status) });
    this.latency.observe({ route }, seconds);
  }

  batch(report: BatchReport): void {
    this.batchSize.observe(report.size);
    this.batchSeconds.observe(report.seconds);
    for (const wait of report.waits) this.queueSeconds.observe(wait);
    this.recent.push([performance.now(), report.size]);
    // Bounded whatever the scrape interval: old entries go on every batch too.
    const cutoff = performance.now() - RATE_WINDOW_S * 1000;
    while (this.recent.length > 0 && this.recent[0][0] < cutoff) this.recent.shift();
  }

  classified(adapter: string | null, count: number, truncated: number): void {
    this.texts.inc({ adapter: adapter ?? '' }, count);
    if (truncated > 0) this.truncated.inc(truncated);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
