import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  done: number;
  total: number;
  /** Short status, e.g. "loss 0.812". */
  status?: string;
  /**
   * Where the counted steps differ in cost (runs of different models at once), the same progress in
   * units of work: the time left is estimated from these instead of the steps.
   */
  work?: { done: number; total: number };
}

export interface Progress {
  start(label: string, total: number): void;
  update(update: ProgressUpdate): void;
  stop(): void;
  /** A line of its own (above the bar on a terminal). */
  log(message: string): void;
}

/**
 * A bar with rate and time left on a terminal; a plain line every `intervalMs` otherwise (logs, CI);
 * nothing with --quiet. Progress goes to stderr so stdout stays clean for --json output.
 */
export function createProgress(options: { quiet?: boolean; intervalMs?: number } = {}): Progress {
  if (options.quiet) return { start() {}, update() {}, stop() {}, log() {} };
  if (process.stderr.isTTY) return terminalProgress();
  return plainProgress(options.intervalMs ?? 10_000);
}

function terminalProgress(): Progress {
  let bar: cliProgress.SingleBar | null = null;
  let clock = new ProgressClock();
  return {
    start(label, total) {
      bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {left} | {status}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { rate: '0.0', left: '?', status: '' });
      clock = new ProgressClock();
    },
    update(update) {
      const { rate, secondsLeft } = clock.update(update);
      bar?.setTotal(update.total);
      bar?.update(update.done, {
        rate: rate.toFixed(1),
        left: formatSeconds(secondsLeft),
        status: update.status ?? '',
      });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
    log(message) {
      if (bar) process.stderr.write('\n');
      process.stderr.write(`${message}\n`);
    },
  };
}

function plainProgress(intervalMs: number): Progress {
  let label = '';
  let clock = new ProgressClock();
  let lastPrint = 0;
  return {
    start(l, total) {
      label = l;
      clock = new ProgressClock();
      lastPrint = performance.now();
      process.stderr.write(`${label}: 0/${total}\n`);
    },
    update(update) {
      const { done, total, status } = update;
      const { rate, secondsLeft } = clock.update(update);
      const now = performance.now();
      if (now - lastPrint < intervalMs && done < total) return;
      lastPrint = now;
      process.stderr.write(
        `${label}: ${done}/${total} (${((100 * done) / total).toFixed(0)}%), ${rate.toFixed(1)}/s, ` +
          `${formatSeconds(secondsLeft)} left${status ? `, ${status}` : ''}\n`,
      );
    },
    stop() {},
    log(message) {
      process.stderr.write(`${message}\n`);
    },
  };
}

/**
 * Rate and time left since the first update: steps per second for the line, and the time left from
 * the work units where the update has them (else from the steps).
 */
export class ProgressClock {
  private began = 0;
  private first: { done: number; work: number } | null = null;

  constructor(private readonly now: () => number = () => performance.now() / 1000) {
    this.began = this.now();
  }

  update({ done, total, work }: ProgressUpdate): { rate: number; secondsLeft: number } {
    // The first update's step was done in this process, the ones before it (a resumed run) were not:
    // counting starts one step (or that step's share of the work) before it.
    const units = work ?? { done, total };
    this.first ??= { done: done - 1, work: units.done - (done > 0 ? units.done / done : 1) };
    const seconds = this.now() - this.began;
    const rate = seconds > 0 ? (done - this.first.done) / seconds : 0;
    const workRate = seconds > 0 ? (units.done - this.first.work) / seconds : 0;
    return { rate, secondsLeft: workRate > 0 ? (units.total - units.done) / workRate : Infinity };
  }
}

/** 42s, 3m07s, 1h05m: a duration for a progress line. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
