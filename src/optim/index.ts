export { AdamW, hfNoDecay, type AdamWOptions, type AdamWParamState, type AdamWStateDict } from './adamw.js';
export {
  LrSchedule,
  SCHEDULE_KINDS,
  warmupStepsFor,
  type ScheduleKind,
  type ScheduleOptions,
} from './schedule.js';
export { clipGradNorm, gradNorm } from './clip.js';
