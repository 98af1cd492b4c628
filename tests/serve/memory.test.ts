import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { ServedModel, type BatchRow } from '../../src/serve/served-model.js';
import type { InferenceSplit } from '../../src/train/memory-messages.js';
import { ADAPTERS, serveWorkspace, texts, type ServeWorkspace } from './helpers.js';

let ws: ServeWorkspace;
before(async () => {
  ws = await serveWorkspace();
});
after(() => ws?.cleanup());

/** Two batches of 48 rows mixing the three adapters and the base, long texts, through a served model on wasm kernels limited to `limitMiB`. */
async function servedLogits(
  limitMiB: number | null,
): Promise<{ logits: number[][][]; splits: InferenceSplit[] }> {
  const wasm = await createWasmKernels({
    threads: 2,
    ...(limitMiB !== null ? { memoryLimitBytes: limitMiB * 2 ** 20 } : {}),
  });
  const previous = useKernels(wasm);
  try {
    const served = await ServedModel.load(ws.model);
    const splits: InferenceSplit[] = [];
    served.onInferenceSplit = (s) => splits.push(s);
    const adapters = [
      null,
      ...Object.keys(ADAPTERS).map((name) => served.attach(name, ws.adapter(name as 'alpha'))),
    ];
    const inputs = texts(96).map((text, i) => `${text} ${texts(6, 30 + i).join(' ')}`);
    const batch = (from: number): BatchRow[] =>
      inputs.slice(from, from + 48).map((text, i) => ({
        input: served.encode(text, 'none'),
        adapter: adapters[i % adapters.length]!,
      }));
    return { logits: [served.logits(batch(0)), served.logits(batch(48))], splits };
  } finally {
    useKernels(previous);
    wasm.dispose();
  }
}

test("a served batch the kernels' memory cannot hold runs in pieces, every row through its own adapter, with the same logits bit for bit", async () => {
  const whole = await servedLogits(null);
  const limited = await servedLogits(2);
  assert.deepEqual(whole.splits, []);
  // 2 MiB holds the forward pass of 12 of these rows, not 24. Rows are grouped by adapter, 12 of each,
  // so each piece runs one adapter alone, with a head of its own width (2, 3 or 5 labels): the pieces'
  // rows are joined as the one forward pass pads them.
  assert.deepEqual(limited.splits, [{ rows: 48, pieceRows: 12, limitBytes: 2 * 2 ** 20 }]);
  assert.equal(whole.logits[0]!.length, 48);
  assert.deepEqual(limited.logits, whole.logits);
});
