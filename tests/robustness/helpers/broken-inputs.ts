// Broken (and a few merely odd) inputs for every reader the CLI has, built in one temporary folder.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSequenceClassifier } from '../../../src/io/hf-directory.js';
import { savePeftAdapter } from '../../../src/io/peft-adapter.js';
import { createLoraConfig } from '../../../src/lora/config.js';
import { applyLora } from '../../../src/lora/inject.js';
import { Rng } from '../../../src/tensor/random.js';
import {
  tinyComplaintsCsv,
  tinyWorkspace,
  writeTinyModel,
  type TinyWorkspace,
} from '../../helpers/tiny-model.js';

export interface BrokenInputs extends TinyWorkspace {
  /** A tiny model with a trained-looking classifier head (predict accepts it as is). */
  cls: string;
  /** A valid LoRA adapter (r 4 on query and value, classifier in modules_to_save) for `cls`. */
  adapter: string;
  /** A valid raw complaints export of 60 rows. */
  raw: string;
  models: Record<
    'noConfig' | 'badJson' | 'badConfig' | 'noWeights' | 'wrongShapes' | 'truncated' | 'garbage',
    string
  >;
  adapters: Record<'rMismatch' | 'noTarget' | 'prefixTuning' | 'badJson' | 'noWeights', string>;
  csv: Record<
    | 'empty'
    | 'blankLines'
    | 'headerOnly'
    | 'noProduct'
    | 'noNarrative'
    | 'notUtf8'
    | 'unbalancedQuote'
    | 'strayQuote'
    | 'tooManyFields'
    | 'oneClass'
    | 'huge',
    string
  >;
  dataDirs: Record<
    | 'noLabelMap'
    | 'badLabelMap'
    | 'emptyTrain'
    | 'headerOnlyTrain'
    | 'unknownLabel'
    | 'rawTrain'
    | 'notUtf8Train'
    | 'quoteTrain'
    | 'hugeTrain',
    string
  >;
}

const EXPORT_HEADER = 'Date received,Product,Sub-product,Issue,Consumer complaint narrative,Complaint ID\n';

export const HUGE_NARRATIVE_BYTES = 5 * 1024 * 1024;

/** About 5 MB of narrative: the data's words, repeated. */
export function hugeNarrative(): string {
  const words = 'my card fee was charged twice and the bank told me to call the collector ';
  return words.repeat(Math.ceil(HUGE_NARRATIVE_BYTES / words.length)).trimEnd();
}

export async function buildBrokenInputs(): Promise<BrokenInputs> {
  const ws = await tinyWorkspace('lora-lab-broken-');
  const at = (...parts: string[]): string => join(ws.root, ...parts);

  const cls = await writeTinyModel(at('cls'), { head: true, seed: 2 });
  const adapter = at('adapter');
  {
    const { model } = await loadSequenceClassifier(cls, { rng: new Rng(0) });
    applyLora(
      model,
      createLoraConfig({ task_type: 'SEQ_CLS', r: 4, lora_alpha: 8, target_modules: ['query', 'value'] }),
      new Rng(1),
    );
    savePeftAdapter(model, adapter, undefined, { baseModelNameOrPath: cls });
  }

  const modelVariant = (name: string, edit: (dir: string) => void): string => {
    const dir = at('models', name);
    cpSync(ws.model, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const editConfig = (dir: string, change: Record<string, unknown>): void => {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), ...change }));
  };
  const weights = (dir: string): string => join(dir, 'model.safetensors');
  const models = {
    noConfig: modelVariant('no-config', (d) => rmSync(join(d, 'config.json'))),
    badJson: modelVariant('bad-json', (d) => writeFileSync(join(d, 'config.json'), '{"hidden_size": 16,\n')),
    // 16 is not a multiple of 3 heads.
    badConfig: modelVariant('bad-config', (d) => editConfig(d, { num_attention_heads: 3 })),
    noWeights: modelVariant('no-weights', (d) => rmSync(weights(d))),
    wrongShapes: modelVariant('wrong-shapes', (d) =>
      editConfig(d, { hidden_size: 32, intermediate_size: 64 }),
    ),
    truncated: modelVariant('truncated', (d) => {
      const bytes = readFileSync(weights(d));
      writeFileSync(weights(d), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    }),
    garbage: modelVariant('garbage', (d) =>
      writeFileSync(weights(d), Buffer.from('not a safetensors file at all')),
    ),
  };

  const adapterVariant = (name: string, edit: (dir: string) => void): string => {
    const dir = at('adapters', name);
    cpSync(adapter, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const editAdapterConfig = (dir: string, change: Record<string, unknown>): void => {
    const path = join(dir, 'adapter_config.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), ...change }));
  };
  const adapters = {
    rMismatch: adapterVariant('r-mismatch', (d) => editAdapterConfig(d, { r: 2 })),
    noTarget: adapterVariant('no-target', (d) => editAdapterConfig(d, { target_modules: ['attention_qkv'] })),
    prefixTuning: adapterVariant('prefix-tuning', (d) =>
      editAdapterConfig(d, { peft_type: 'PREFIX_TUNING' }),
    ),
    badJson: adapterVariant('bad-json', (d) => writeFileSync(join(d, 'adapter_config.json'), '{"r": 4')),
    noWeights: adapterVariant('no-weights', (d) => rmSync(join(d, 'adapter_model.safetensors'))),
  };

  const raw = at('raw.csv');
  const valid = tinyComplaintsCsv(60);
  writeFileSync(raw, valid);
  const validLines = valid.split('\n');
  const csvFile = (name: string, content: string | Uint8Array): string => {
    const path = at('csv', name);
    mkdirSync(at('csv'), { recursive: true });
    writeFileSync(path, content);
    return path;
  };
  const withLine = (index: number, line: string): string =>
    [...validLines.slice(0, index), line, ...validLines.slice(index + 1)].join('\n');
  const notUtf8 = Buffer.concat([
    Buffer.from(validLines.slice(0, 4).join('\n') + '\n2024-01-05,Mortgage,,Problem,caf'),
    Buffer.from([0xe9, 0x20, 0xff]),
    Buffer.from(' payment late,1\n' + validLines.slice(5).join('\n')),
  ]);
  const csv = {
    empty: csvFile('empty.csv', ''),
    blankLines: csvFile('blank-lines.csv', '\n\n\r\n\n'),
    headerOnly: csvFile('header-only.csv', EXPORT_HEADER),
    noProduct: csvFile('no-product.csv', valid.replace('Product,', 'Category,')),
    noNarrative: csvFile(
      'no-narrative.csv',
      valid.replace('Consumer complaint narrative', 'Text of complaint'),
    ),
    notUtf8: csvFile('not-utf8.csv', notUtf8),
    // Line 7 opens a quoted narrative that is never closed.
    unbalancedQuote: csvFile(
      'unbalanced-quote.csv',
      withLine(6, '2024-01-06,Mortgage,,Problem,"my escrow payment was late,7'),
    ),
    strayQuote: csvFile('stray-quote.csv', withLine(6, '2024-01-06,Mortgage,,Problem,"my escrow" payment,7')),
    tooManyFields: csvFile(
      'too-many-fields.csv',
      withLine(6, '2024-01-06,Mortgage,,Problem,late,7,extra,more'),
    ),
    oneClass: csvFile(
      'one-class.csv',
      EXPORT_HEADER +
        Array.from(
          { length: 20 },
          (_, i) => `2024-01-01,Mortgage,,Problem,my escrow payment was late ${i},${i}\n`,
        ).join(''),
    ),
    huge: csvFile('huge.csv', valid + `2024-02-01,Credit card,,Problem,"${hugeNarrative()}",9999\n`),
  };

  const dataVariant = (name: string, edit: (dir: string) => void): string => {
    const dir = at('data-variants', name);
    cpSync(ws.data, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const train = (dir: string): string => join(dir, 'train.csv');
  const dataDirs = {
    noLabelMap: dataVariant('no-label-map', (d) => rmSync(join(d, 'label_map.json'))),
    badLabelMap: dataVariant('bad-label-map', (d) =>
      writeFileSync(join(d, 'label_map.json'), '{"id2label": {"0": "a", "5": "b"}}'),
    ),
    emptyTrain: dataVariant('empty-train', (d) => writeFileSync(train(d), '')),
    headerOnlyTrain: dataVariant('header-only-train', (d) => writeFileSync(train(d), 'text,label\n')),
    unknownLabel: dataVariant('unknown-label', (d) =>
      writeFileSync(train(d), `${readFileSync(train(d), 'utf8')}my card fee,Student loan\n`),
    ),
    rawTrain: dataVariant('raw-train', (d) => writeFileSync(train(d), valid)),
    notUtf8Train: dataVariant('not-utf8-train', (d) =>
      writeFileSync(
        train(d),
        Buffer.concat([readFileSync(train(d)), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x4d, 0x0a])]),
      ),
    ),
    quoteTrain: dataVariant('quote-train', (d) =>
      writeFileSync(train(d), `${readFileSync(train(d), 'utf8')}"my card fee,Credit card\n`),
    ),
    hugeTrain: dataVariant('huge-train', (d) =>
      writeFileSync(train(d), `${readFileSync(train(d), 'utf8')}${hugeNarrative()},Credit card\n`),
    ),
  };

  return { ...ws, cls, adapter, raw, models, adapters, csv, dataDirs };
}
