import type { Method } from '../train/results.js';

/** One training of the study as planned: its method and how many optimizer steps it takes. */
export interface PlannedRun {
  method: Method;
  steps: number;
  /** Already finished (kept by --resume): it takes no time. */
  kept?: boolean;
  /**
   * Relative work of one step (any unit, the same for every run of the plan), from the model's size
   * (step-cost.ts). It prices a method not measured yet from one that is; without it, such a method is
   * priced at the mean of the measured ones.
   */
  stepCost?: number;
}

/** Where the study stands, for a progress line: "run 4/9 …, 12m left for the study". */
export interface StudyProgress {
  /** 1-based number of the run in progress. */
  run: number;
  runs: number;
  /** Seconds the whole study has left by the estimate, or null while nothing has been measured yet. */
  secondsLeft: number | null;
}

/**
 * Estimates the time the study has left: each method's seconds per step, measured on its finished runs
 * (wall time, evaluation included) or else on the run in progress, times the steps still to go. A
 * method not measured yet is priced from the measured ones by the ratio of their step costs (Small-BERT
 * steps cost several bert-tiny steps), or at their mean when the plan has no costs.
 */
export class StudyClock {
  private readonly finished = new Map<Method, { seconds: number; steps: number }>();
  /** Timing of the run in progress, from its first step in this process. */
  private current: {
    firstAt: number;
    firstStep: number;
    lastAt: number;
    lastStep: number;
  } | null = null;
  private startedAt = 0;
  private currentIndex = -1;

  constructor(
    private readonly plan: readonly PlannedRun[],
    private readonly now: () => number = () => performance.now() / 1000,
  ) {}

  /** Run `index` (0-based, in plan order) begins. */
  start(index: number): void {
    this.startedAt = this.now();
    this.current = null;
    this.currentIndex = index;
  }

  /** A step of the run in progress is done (`step` counts from the run's start, a resumed run included). */
  step(step: number, totalSteps: number): StudyProgress {
    const at = this.now();
    if (this.current === null) {
      // The first report of this process times nothing: the steps before it may come from a checkpoint.
      this.current = { firstAt: at, firstStep: step, lastAt: at, lastStep: step };
    } else {
      this.current.lastAt = at;
      this.current.lastStep = step;
    }
    return {
      run: this.currentIndex + 1,
      runs: this.plan.length,
      secondsLeft: this.secondsLeft(totalSteps - step),
    };
  }

  /** The run in progress is done: its wall time per step prices the later runs of its method. */
  finish(): void {
    const run = this.plan[this.currentIndex];
    if (run === undefined) return;
    const done = this.current ? this.current.lastStep - this.current.firstStep + 1 : run.steps;
    const seconds = this.now() - this.startedAt;
    const sum = this.finished.get(run.method) ?? { seconds: 0, steps: 0 };
    this.finished.set(run.method, { seconds: sum.seconds + seconds, steps: sum.steps + done });
    this.current = null;
  }

  private secondsLeft(currentStepsLeft: number): number | null {
    const rates = new Map<Method, number>();
    for (const [method, sum] of this.finished) if (sum.steps > 0) rates.set(method, sum.seconds / sum.steps);
    const running = this.plan[this.currentIndex];
    const c = this.current;
    if (running && c && c.lastStep > c.firstStep && !rates.has(running.method)) {
      rates.set(running.method, (c.lastAt - c.firstAt) / (c.lastStep - c.firstStep));
    }
    if (rates.size === 0) return null;
    const rate = (method: Method): number => rates.get(method) ?? this.priced(method, rates);
    let seconds = running ? Math.max(0, currentStepsLeft) * rate(running.method) : 0;
    for (const run of this.plan.slice(this.currentIndex + 1)) {
      if (!run.kept) seconds += run.steps * rate(run.method);
    }
    return seconds;
  }

  /** Seconds per step of an unmeasured method: the measured seconds per unit of cost, times its cost. */
  private priced(method: Method, rates: ReadonlyMap<Method, number>): number {
    const cost = (m: Method): number | undefined => this.plan.find((run) => run.method === m)?.stepCost;
    const perUnit: number[] = [];
    for (const [measured, seconds] of rates) {
      const c = cost(measured);
      if (c !== undefined && c > 0) perUnit.push(seconds / c);
    }
    const own = cost(method);
    if (own !== undefined && perUnit.length > 0)
      return (own * perUnit.reduce((a, b) => a + b, 0)) / perUnit.length;
    return [...rates.values()].reduce((a, b) => a + b, 0) / rates.size;
  }
}
