// How far transformers.js, on a folder written by `lora-lab export-onnx`, agrees with `lora-lab predict`:
// the share of texts with the same label and the largest probability difference, for the float32 model
// and the int8 one, and each one's accuracy when the texts' file has labels.
//
//   node --import tsx scripts/onnx-agreement.ts EXPORT_DIR PREDICTIONS.jsonl [LABELLED.csv]
//
// PREDICTIONS.jsonl is `lora-lab predict --input-file LABELLED.csv --output PREDICTIONS.jsonl` with the
// model and adapter that were exported; LABELLED.csv has `text` and `label` columns in the same order.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { env, pipeline } from '@huggingface/transformers';

const [exportDir, predictionsFile, labelledFile] = process.argv.slice(2);
if (!exportDir || !predictionsFile)
  throw new Error('usage: onnx-agreement.ts EXPORT_DIR PREDICTIONS.jsonl [LABELLED.csv]');
env.allowRemoteModels = false;
env.localModelPath = `${dirname(resolve(exportDir))}/`;
const ours = readFileSync(predictionsFile, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { text: string; label: string; scores: Record<string, number> });
const texts = ours.map((o) => o.text);
const truth = labelledFile
  ? (parse(readFileSync(labelledFile, 'utf8'), { columns: true }) as { text: string; label: string }[]).map(
      (r, i) => {
        if (r.text !== texts[i]) throw new Error(`row ${i + 1} of ${labelledFile} is not the text predicted`);
        return r.label;
      },
    )
  : undefined;
const accuracy = (labels: string[]): number | null =>
  truth ? labels.filter((l, i) => l === truth[i]).length / labels.length : null;
const result: Record<string, unknown> = {
  export: exportDir,
  predictions: predictionsFile,
  texts: texts.length,
  lora_lab_accuracy: accuracy(ours.map((o) => o.label)),
};
for (const dtype of ['fp32', 'q8'] as const) {
  const classify = await pipeline('text-classification', basename(resolve(exportDir)), { dtype });
  const out = (await classify(texts, { top_k: null })) as unknown as { label: string; score: number }[][];
  const labels = out.map((scores) => scores.reduce((a, b) => (b.score > a.score ? b : a)).label);
  let drift = 0;
  out.forEach((scores, i) => {
    for (const s of scores) drift = Math.max(drift, Math.abs(s.score - ours[i].scores[s.label]));
  });
  result[dtype] = {
    same_label_as_lora_lab: labels.filter((l, i) => l === ours[i].label).length,
    max_probability_difference: drift,
    accuracy: accuracy(labels),
  };
  await classify.dispose();
}
console.log(JSON.stringify(result, null, 2));
