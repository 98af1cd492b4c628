import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  done: number;
  total: number;
  /** Short status, e.g. "loss 0.812". */
  status?: string;
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
  let startTime = 0;
  // A resumed run starts counting at its checkpoint's step: rates count only what this process did.
  let firstDone: number | null = null;
  return {
    start(label, total) {
      bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted} | {status}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { rate: '0.0', status: '' });
      startTime = performance.now();
      firstDone = null;
    },
    update({ done, total, status }) {
      const seconds = (performance.now() - startTime) / 1000;
      firstDone ??= done - 1;
      bar?.setTotal(total);
      bar?.update(done, {
        rate: seconds > 0 ? ((done - firstDone) / seconds).toFixed(1) : '0.0',
        status: status ?? '',
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
  let began = 0;
  let firstDone: number | null = null;
  let lastPrint = 0;
  return {
    start(l, total) {
      label = l;
      began = performance.now();
      firstDone = null;
      lastPrint = began;
      process.stderr.write(`${label}: 0/${total}\n`);
    },
    update({ done, total, status }) {
      // The first update's step was done in this process, the ones before it (a resumed run) were not.
      firstDone ??= done - 1;
      const now = performance.now();
      if (now - lastPrint < intervalMs && done < total) return;
      lastPrint = now;
      const seconds = (now - began) / 1000;
      const rate = seconds > 0 ? (done - firstDone) / seconds : 0;
      const left = rate > 0 ? (total - done) / rate : 0;
      process.stderr.write(
        `${label}: ${done}/${total} (${((100 * done) / total).toFixed(0)}%), ${rate.toFixed(1)}/s, ` +
          `${formatSeconds(left)} left${status ? `, ${status}` : ''}\n`,
      );
    },
    stop() {},
    log(message) {
      process.stderr.write(`${message}\n`);
    },
  };
}

/** 42s, 3m07s, 1h05m: a duration for a progress line. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
