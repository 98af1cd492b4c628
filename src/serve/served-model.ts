import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TextCleaning } from '../data/split-files.js';
import { UserError } from '../errors.js';
import { resolveMaxLen } from '../experiments/classifier.js';
import { applyTextCleaning, recordedTextCleaning } from '../experiments/text-preprocessing.js';
import { loadSequenceClassifier } from '../io/hf-directory.js';
import { AdapterRouting } from '../lora/adapter-routing.js';
import { attachAdapter, detachAdapter, mergedParts } from '../lora/multi-adapter.js';
import type { SequenceClassifier } from '../models/family.js';
import { isMultiLabel } from '../models/common/problem-type.js';
import { familyOf } from '../models/registry.js';
import { Rng } from '../tensor/random.js';
import { padSequences } from '../text/pad.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { inputTensors, sliceInputs } from '../train/batch-tensors.js';
import { InferencePieces } from '../train/inference-pieces.js';
import type { InferenceSplit } from '../train/memory-messages.js';
import { readServableAdapter, type BaseModelInfo } from './adapter-loader.js';
import { TruncatingEncoder, type EncodedInput } from './truncating-encoder.js';

export type { EncodedInput };

/** An adapter loaded into the served model. */
export interface ServedAdapter {
  readonly name: string;
  /** The folder it was read from (resolved). */
  readonly path: string;
  /** Its key in the model's layers: unique per load, so a name loaded again never meets an old load's weights. */
  readonly slot: string;
  readonly labels: readonly string[];
  /** Each text gets a set of labels, one sigmoid each. */
  readonly multiLabel: boolean;
  readonly cleaning: TextCleaning;
  readonly r: number;
  readonly loraAlpha: number;
  readonly targets: readonly string[];
  readonly modulesToSave: readonly string[];
  /** Served from its own merged copy of the layers it adapts (W₀ + s·B·A), at the plain model's cost. */
  readonly merged: boolean;
  readonly loadedAt: string;
}

/** One row of a batch: its tokens and the adapter it goes through (null: the base model alone). */
export interface BatchRow {
  input: EncodedInput;
  adapter: ServedAdapter | null;
}

/**
 * One base model, loaded once, with any number of adapters attached to it at once (MultiAdapterLinear
 * in every Linear an adapter touches, MultiAdapterLayerNorm in every LayerNorm whose bias it trained):
 * a batch may mix adapters, the base running once for all rows.
 */
export class ServedModel {
  private readonly routing = new AdapterRouting();
  /** A batch the kernels' memory cannot hold runs in pieces (the same logits); the size that fitted is kept. */
  private readonly pieces = new InferencePieces((split) => this.onInferenceSplit?.(split));
  /** Told once when batches start running in pieces. */
  onInferenceSplit?: (split: InferenceSplit) => void;
  private loads = 0;
  private readonly cutter: TruncatingEncoder;

  private constructor(
    private readonly model: SequenceClassifier,
    private readonly base: BaseModelInfo,
    readonly tokenizer: TextTokenizer,
    /** Tokens per text at most, special tokens included; longer texts are cut. */
    readonly maxLen: number,
    /** The cleaning the base model's folder records (none if it records none). */
    readonly cleaning: TextCleaning,
  ) {
    this.cutter = new TruncatingEncoder(tokenizer, maxLen);
  }

  /** Loads the model folder (config, weights, tokenizer) for serving: in eval mode, without gradients. */
  static async load(dir: string, options: { maxLen?: number } = {}): Promise<ServedModel> {
    const loaded = await loadSequenceClassifier(dir, { rng: new Rng(0) });
    const family = familyOf(loaded.config.modelType);
    if (!['tokenizer.json', 'vocab.txt', 'vocab.json'].some((name) => existsSync(join(dir, name)))) {
      throw new UserError(
        `${dir} has no tokenizer files (tokenizer.json, vocab.txt or vocab.json), which the server needs.`,
      );
    }
    const tokenizer = TextTokenizer.fromDirectory(dir, { fallback: family.tokenizerFallback });
    loaded.model.eval();
    loaded.model.setRequiresGrad(false);
    const base: BaseModelInfo = { dir, family, config: loaded.config, untrained: loaded.initialized };
    const maxLen = resolveMaxLen(options.maxLen, loaded.model);
    return new ServedModel(loaded.model, base, tokenizer, maxLen, recordedTextCleaning([dir]));
  }

  get dir(): string {
    return this.base.dir;
  }

  /** The base model's own labels. */
  get labels(): readonly string[] {
    return this.base.config.labels;
  }

  /** Whether the base model's own head is multi-label (its config.json's problem_type). */
  get multiLabel(): boolean {
    return isMultiLabel(this.base.config.problemType);
  }

  /** Whether the base model can classify alone (its checkpoint has a trained head). */
  get headTrained(): boolean {
    return this.base.untrained.length === 0;
  }

  /**
   * Reads the adapter folder and attaches it under `name`, unmerged (its low-rank path on its rows over
   * the shared base) or with `merge` merged (a copy of each layer it adapts, the product folded in); an
   * adapter that does not fit the base is refused with the reason and leaves the model as it was.
   */
  attach(name: string, dir: string, options: { merge?: boolean } = {}): ServedAdapter {
    const read = readServableAdapter(dir, this.base);
    const slot = `${name}#${++this.loads}`;
    const parts = options.merge ? mergedParts(this.model, read.parts) : read.parts;
    attachAdapter(this.model, this.routing, slot, parts);
    return {
      name,
      path: dir,
      slot,
      labels: read.labels,
      multiLabel: read.multiLabel,
      cleaning: read.cleaning,
      r: read.r,
      loraAlpha: read.loraAlpha,
      targets: read.targets,
      modulesToSave: read.modulesToSave,
      merged: options.merge === true,
      loadedAt: new Date().toISOString(),
    };
  }

  /** Takes the adapter's weights out of the model (no batch may be using it). */
  detach(adapter: ServedAdapter): void {
    detachAdapter(this.model, adapter.slot);
  }

  /** The text cleaned as its adapter's (or the base's) training texts were, then tokenized and cut to maxLen. */
  encode(text: string, cleaning: TextCleaning): EncodedInput {
    const [clean] = applyTextCleaning([text], cleaning);
    return this.cutter.encode(clean);
  }

  /**
   * The logits of every row, each as long as its adapter's (or the base's) labels, from one forward pass
   * (in pieces when the kernels' memory cannot hold it, InferencePieces: the same logits):
   * rows are grouped by adapter so that each adapter's low-rank path runs over one slice of rows.
   */
  logits(rows: readonly BatchRow[]): number[][] {
    if (rows.length === 0) return [];
    const key = (row: BatchRow): string => row.adapter?.slot ?? '';
    // A stable sort: rows of one adapter keep their order.
    const order = rows
      .map((_, i) => i)
      .sort((a, b) => (key(rows[a]) < key(rows[b]) ? -1 : key(rows[a]) > key(rows[b]) ? 1 : 0));
    const length = Math.max(...rows.map((r) => r.input.ids.length));
    const inputs = inputTensors(
      padSequences(
        order.map((i) => rows[i].input.ids),
        length,
        this.tokenizer.padId,
        order.map((i) => rows[i].input.tokenTypeIds),
        this.tokenizer.paddingSide,
      ),
    );
    const routes = order.map((i) => rows[i].adapter?.slot ?? null);
    const { data, width } = this.pieces.logits(order.length, (from, to) => {
      const part = from === 0 && to === order.length ? inputs : sliceInputs(inputs, from, to);
      return this.routing.route(routes.slice(from, to), () =>
        this.model.forward(part.inputIds, part.attentionMask, part.tokenTypeIds),
      );
    });
    const out = new Array<number[]>(rows.length);
    order.forEach((row, position) => {
      const n = (rows[row].adapter?.labels ?? this.labels).length;
      out[row] = Array.from(data.subarray(position * width, position * width + n));
    });
    return out;
  }
}
