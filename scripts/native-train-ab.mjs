// Training steps (bench train's benchSteps: forward, loss, backward, AdamW on random ids) with a
// baseline native addon against this checkout's, in ONE process, alternated call by call: each call
// builds a fresh model, runs one warm-up step and --steps timed steps; its median step is one round.
//
//   node scripts/native-train-ab.mjs BASELINE.node [--model tiny] [--method lora] [--batch 16]
//     [--steps 6] [--rounds 9] [--threads 2]
//
// Needs `npm run build` (dist/) and the addon. Both builds run the same TypeScript (this checkout's).
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NativeKernels } from '../dist/src/kernels/native/index.js';
import { nativeAddonPath } from '../dist/src/kernels/native/addon.js';
import { useKernels } from '../dist/src/kernels/active.js';
import { benchSteps } from '../dist/bench/train-steps.js';
import { resolveBenchModel } from '../dist/bench/model-spec.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'tiny' },
    method: { type: 'string', default: 'lora' },
    batch: { type: 'string', default: '16' },
    steps: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '9' },
    threads: { type: 'string', default: '2' },
  },
});
if (positionals.length !== 1) {
  console.error(
    'usage: node scripts/native-train-ab.mjs BASELINE.node [--model M] [--method lora|full] [--steps N]',
  );
  process.exit(2);
}
const require = createRequire(import.meta.url);
const opts = { threads: Number(values.threads) };
const K = {
  old: new NativeKernels(require(resolve(positionals[0])), opts),
  new: new NativeKernels(require(nativeAddonPath()), opts),
};
const { model, method } = values;
const { config } = resolveBenchModel(model);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const t = { old: [], new: [] };
for (let r = 0; r < Number(values.rounds); r++) {
  for (const which of r % 2 ? ['new', 'old'] : ['old', 'new']) {
    useKernels(K[which]);
    const o = {
      model,
      method,
      mode: 'train',
      batch: Number(values.batch),
      seq: 128,
      steps: Number(values.steps),
    };
    const res = benchSteps(config, { ...o, warmup: 1, profile: false });
    t[which].push(median(res.step_seconds) * 1000);
  }
}
const [mo, mn] = [median(t.old), median(t.new)];
console.log(
  `${model} ${method} batch ${values.batch}, isa ${K.new.isa}, ${opts.threads} threads: step old median ` +
    `${mo.toFixed(1)} ms (min ${Math.min(...t.old).toFixed(1)}), new median ${mn.toFixed(1)} ms ` +
    `(min ${Math.min(...t.new).toFixed(1)}), new/old ${(mn / mo).toFixed(3)}`,
);
console.log(`rounds old/new: ${t.old.map((o, i) => `${o.toFixed(0)}/${t.new[i].toFixed(0)}`).join(' ')}`);
K.old.dispose();
K.new.dispose();
