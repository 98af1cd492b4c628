import type { LoraConfig } from './config.js';

/**
 * Which module paths a config adapts, with PEFT's rules (`check_target_module_exists`):
 * 1. excluded: `exclude_modules` (regex over the whole path, or a name / path suffix) and anything at
 *    or inside a `modules_to_save` module (a LoRA layer there would fight the trained copy);
 * 2. then a string `target_modules` is a regular expression that must match the whole path; a list
 *    matches a path equal to an entry or ending with `.` + entry;
 * 3. for a list, `layers_to_transform` keeps only the given layer numbers (the number after
 *    `layers_pattern`, or after the first `name.` + digits segment when no pattern is given).
 * Paths are relative to the model (`bert.encoder.layer.0.attention.self.query`), as PEFT's are relative to
 * the wrapped transformers model.
 */
export function matchesTarget(config: LoraConfig, path: string): boolean {
  if (path === '') return false;
  if (matchesNameOrPattern(config.exclude_modules, path)) return false;
  if (config.modules_to_save && isWithinModulesToSave(config.modules_to_save, path)) return false;
  const targets = config.target_modules;
  if (targets === null) return false;
  if (typeof targets === 'string') return fullMatch(targets, path);
  if (targets.includes(path)) return true;
  if (!targets.some((t) => path.endsWith(`.${t}`))) return false;
  return inSelectedLayer(config, path);
}

/** PEFT's `(^|.*\.)name($|\..*)`: the path is the named module or lies inside it. */
export function isWithinModulesToSave(names: readonly string[], path: string): boolean {
  return names.some((name) => new RegExp(`^(?:^|.*\\.)${name}(?:$|\\..*)`, 's').test(path));
}

/** Python's `re.fullmatch(pattern, text)`. JavaScript and Python regular expressions agree on the common syntax. */
function fullMatch(pattern: string, text: string): boolean {
  return new RegExp(`^(?:${pattern})$`, 's').test(text);
}

function matchesNameOrPattern(spec: string[] | string | null, path: string): boolean {
  if (spec === null) return false;
  if (typeof spec === 'string') return fullMatch(spec, path);
  return spec.some((name) => path === name || path.endsWith(`.${name}`));
}

function inSelectedLayer(config: LoraConfig, path: string): boolean {
  const layers = config.layers_to_transform;
  if (layers === null || (Array.isArray(layers) && layers.length === 0)) return true;
  const patterns =
    config.layers_pattern === null || config.layers_pattern.length === 0
      ? null
      : typeof config.layers_pattern === 'string'
        ? [config.layers_pattern]
        : config.layers_pattern;
  let index: number | null = null;
  if (patterns === null) {
    // The first numbered segment (a lazy prefix), so nested numbers further down do not count.
    const m = /^.*?\.[^.]*\.(\d+)\./s.exec(path);
    if (m) index = Number(m[1]);
  } else {
    for (const pattern of patterns) {
      const m = new RegExp(`^.*?\\.${pattern}\\.(\\d+)\\.`, 's').exec(path);
      if (m) {
        index = Number(m[1]);
        break;
      }
    }
  }
  if (index === null) return false;
  return typeof layers === 'number' ? index === layers : layers.includes(index);
}

/**
 * The rank and alpha for one module: the first `rank_pattern` / `alpha_pattern` key that matches the end
 * of its path (PEFT's `get_pattern_key`: `(.*\.)?(key)$`), else the config's `r` / `lora_alpha`.
 */
export function rankAndAlphaFor(config: LoraConfig, path: string): { r: number; alpha: number } {
  const pick = (table: Record<string, number>, fallback: number): number => {
    for (const [key, value] of Object.entries(table)) {
      if (new RegExp(`^(?:.*\\.)?(?:${key})$`, 's').test(path)) return value;
    }
    return fallback;
  };
  return { r: pick(config.rank_pattern, config.r), alpha: pick(config.alpha_pattern, config.lora_alpha) };
}
