import { UserError } from '../errors.js';
import { modelConfigFromText, type ModelFileSource } from '../io/classifier-files.js';
import type { ClassifierConfig } from '../models/family.js';
import type { TokenizerFileSource } from '../text/tokenizer-directory.js';
import type { ModelChoice } from './protocol.js';

/** Tokenizer files a model directory may hold (what TextTokenizer.fromFiles looks for). */
const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
];

/** A base model's files as the library reads them: weights on demand, the tokenizer's read up front. */
export interface ModelFiles {
  where: string;
  config: ClassifierConfig;
  weights: ModelFileSource;
  tokenizer: TokenizerFileSource;
}

/** Opens the model a user chose: a folder URL of a file server (as the Hub serves one) or picked files. */
export async function openModelFiles(choice: ModelChoice): Promise<ModelFiles> {
  const read = choice.kind === 'url' ? fromUrl(choice.url) : fromFiles(choice.files);
  const cache = new Map<string, Promise<Uint8Array | null>>();
  const cached = (name: string): Promise<Uint8Array | null> => {
    if (!cache.has(name)) cache.set(name, read.read(name));
    return cache.get(name)!;
  };
  const weights: ModelFileSource = {
    where: read.where,
    pathOf: read.pathOf,
    read: cached,
    async otherWeights() {
      if ((await cached('pytorch_model.bin')) || (await cached('pytorch_model.bin.index.json'))) {
        throw new UserError(
          `${read.where} has its weights as pytorch_model.bin only; in the browser LoRA Lab reads model.safetensors (convert it, or train with the CLI).`,
        );
      }
      return null;
    },
  };
  const configBytes = await cached('config.json');
  if (!configBytes) {
    throw new UserError(`${read.where} has no config.json, so it is not a Hugging Face model directory.`);
  }
  const config = modelConfigFromText(new TextDecoder().decode(configBytes), read.pathOf('config.json'));
  const texts = new Map<string, string>();
  for (const name of TOKENIZER_FILES) {
    const bytes = await cached(name);
    if (bytes) texts.set(name, new TextDecoder().decode(bytes));
  }
  const tokenizer: TokenizerFileSource = {
    where: read.where,
    pathOf: read.pathOf,
    has: (name) => texts.has(name),
    text: (name) => texts.get(name)!,
  };
  return { where: read.where, config, weights, tokenizer };
}

interface RawSource {
  where: string;
  pathOf(name: string): string;
  read(name: string): Promise<Uint8Array | null>;
}

function fromUrl(url: string): RawSource {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`, self.location.href);
  } catch {
    throw new UserError(`"${url}" is not a URL of a model folder.`);
  }
  const pathOf = (name: string): string => new URL(name, base).href;
  return {
    where: base.href,
    pathOf,
    async read(name) {
      let response: Response;
      try {
        response = await fetch(pathOf(name));
      } catch (error) {
        throw new UserError(`Could not fetch ${pathOf(name)} (${(error as Error).message}).`);
      }
      if (response.status === 404) return null;
      if (!response.ok) throw new UserError(`Fetching ${pathOf(name)} failed with HTTP ${response.status}.`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

function fromFiles(files: readonly File[]): RawSource {
  const byName = new Map(files.map((file) => [file.name, file]));
  const folder = files[0]?.webkitRelativePath.split('/')[0] || 'the chosen folder';
  return {
    where: folder,
    pathOf: (name) => `${folder}/${name}`,
    async read(name) {
      const file = byName.get(name);
      return file ? new Uint8Array(await file.arrayBuffer()) : null;
    },
  };
}
