import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { Method } from '../train/results.js';
import type { RunGroup } from './group.js';
import { formatCount } from './format.js';

/** One run of the PyTorch reference (`anchors/pytorch_reference.json`), in the report's terms. */
export interface AnchorRun {
  name: string;
  method: Method;
  maxLength: number;
  lr: number;
  epochs?: number;
  batchSize?: number;
  loraR?: number;
  loraAlpha?: number;
  seed?: number;
  trainableParams?: number;
  trainSeconds?: number;
  f1Weighted: number;
  accuracy?: number;
  f1Macro?: number;
}

export interface Anchors {
  file: string;
  about?: string;
  runs: AnchorRun[];
}

export interface AnchorMatch {
  group: RunGroup;
  references: AnchorRun[];
  /** Mean weighted F1 of the matching reference runs. */
  referenceF1: number;
  /** Ours minus reference (mean weighted F1). */
  difference: number;
  /** Where the matched runs still differ (epochs, batch, LoRA alpha, trainable parameters). */
  notes: string[];
}

/** A group next to the best reference run of its method, whatever that run's settings. */
export interface BestOfMethod {
  group: RunGroup;
  reference: AnchorRun;
  /** Ours (mean weighted F1) minus the best reference run's. */
  difference: number;
}

export interface AnchorComparison {
  file: string;
  about?: string;
  matches: AnchorMatch[];
  /** Groups with no reference of the same method, learning rate and max length. */
  unmatched: RunGroup[];
  /** Every group against its method's best reference run: tuned settings are judged by this. */
  bestOfMethod: BestOfMethod[];
  /** Smoke runs (capped by --max-steps), compared with nothing: a few steps say nothing about a method. */
  smokeRuns: RunGroup[];
}

const METHODS: readonly string[] = ['scratch', 'full', 'lora'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function loadAnchors(file: string): Anchors {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`The anchors file ${file} cannot be read.`);
  }
  return parseAnchors(text, file);
}

/** Parses the reference file; anything missing that matching needs is a UserError naming the file. */
export function parseAnchors(text: string, file: string): Anchors {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`The anchors file ${file} is not valid JSON (${reason}).`);
  }
  const bad = (why: string): UserError => new UserError(`The anchors file ${file} is malformed: ${why}.`);
  if (!isObject(value) || !Array.isArray(value.runs)) throw bad('it has no "runs" list');
  const runs = value.runs.map((run, i): AnchorRun => {
    if (!isObject(run)) throw bad(`run ${i} is not an object`);
    const test = run.test;
    const lr = num(run.lr);
    const maxLength = num(run.T) ?? num(run.max_length);
    const f1 = isObject(test) ? num(test.f1_weighted) : undefined;
    if (typeof run.kind !== 'string' || !METHODS.includes(run.kind))
      throw bad(`run ${i} has no valid "kind"`);
    if (lr === undefined || maxLength === undefined || f1 === undefined) {
      throw bad(`run ${i} lacks "lr", "T" or "test.f1_weighted"`);
    }
    return {
      name: typeof run.name === 'string' ? run.name : `run ${i}`,
      method: run.kind as Method,
      maxLength,
      lr,
      epochs: num(run.epochs),
      batchSize: num(run.batch),
      loraR: num(run.r),
      loraAlpha: num(run.alpha),
      seed: num(run.seed),
      trainableParams: num(run.trainable),
      trainSeconds: num(run.train_seconds),
      f1Weighted: f1,
      accuracy: isObject(test) ? (num(test.acc) ?? num(test.accuracy)) : undefined,
      f1Macro: isObject(test) ? num(test.f1_macro) : undefined,
    };
  });
  return { file, about: typeof value.about === 'string' ? value.about : undefined, runs };
}

function sameLr(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Pairs each group (smoke runs aside) with the reference runs of the same method, learning rate and max length (and LoRA
 * rank, when both sides know it). Among several candidates, those with our trainable-parameter count win.
 */
export function matchAnchors(all: RunGroup[], anchors: Anchors): AnchorComparison {
  const groups = all.filter((g) => g.stepCap === null);
  const matches: AnchorMatch[] = [];
  const unmatched: RunGroup[] = [];
  for (const group of groups) {
    const { lr, maxLength, loraR } = group.settings;
    let candidates =
      lr === undefined || maxLength === undefined
        ? []
        : anchors.runs.filter(
            (a) =>
              a.method === group.method &&
              sameLr(a.lr, lr) &&
              a.maxLength === maxLength &&
              (loraR === undefined || a.loraR === undefined || a.loraR === loraR),
          );
    const sameSize = candidates.filter((a) => a.trainableParams === Math.round(group.trainableParams.mean));
    if (sameSize.length > 0) candidates = sameSize;
    if (candidates.length === 0) {
      unmatched.push(group);
      continue;
    }
    const referenceF1 = candidates.reduce((s, a) => s + a.f1Weighted, 0) / candidates.length;
    matches.push({
      group,
      references: candidates,
      referenceF1,
      difference: group.f1Weighted.mean - referenceF1,
      notes: differences(group, candidates[0]!),
    });
  }
  return {
    file: anchors.file,
    about: anchors.about,
    matches,
    unmatched,
    bestOfMethod: bestOfMethod(groups, anchors),
    smokeRuns: all.filter((g) => g.stepCap !== null),
  };
}

function bestOfMethod(groups: RunGroup[], anchors: Anchors): BestOfMethod[] {
  const out: BestOfMethod[] = [];
  for (const group of groups) {
    const best = anchors.runs
      .filter((a) => a.method === group.method)
      .reduce<AnchorRun | undefined>(
        (b, a) => (b === undefined || a.f1Weighted > b.f1Weighted ? a : b),
        undefined,
      );
    if (best) out.push({ group, reference: best, difference: group.f1Weighted.mean - best.f1Weighted });
  }
  return out;
}

function differences(group: RunGroup, ref: AnchorRun): string[] {
  const notes: string[] = [];
  const s = group.settings;
  const pairs: [string, number | undefined, number | undefined, (v: number) => string][] = [
    ['epochs', s.epochs, ref.epochs, String],
    ['batch', s.batchSize, ref.batchSize, String],
    ['LoRA alpha', s.loraAlpha, ref.loraAlpha, String],
    ['trainable parameters', Math.round(group.trainableParams.mean), ref.trainableParams, formatCount],
  ];
  for (const [what, ours, theirs, show] of pairs) {
    if (ours !== undefined && theirs !== undefined && ours !== theirs) {
      notes.push(`${what}: ours ${show(ours)}, reference ${show(theirs)}`);
    }
  }
  return notes;
}
