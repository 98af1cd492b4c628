/**
 * The usual mapping of checkpoint names for a family whose classifier holds its encoder under one
 * prefix (`bert.`, `roberta.`, `model.` …): keys of a bare base model (saved as BertModel, say) get the
 * prefix; old LayerNorm names `gamma`/`beta` become `weight`/`bias`; the listed buffers are dropped.
 */
export function prefixedParameterName(options: {
  prefix: string;
  /** Top-level names of the bare base model, e.g. embeddings, encoder, pooler. */
  baseParts: readonly string[];
  /** Name endings of buffers that are not parameters (e.g. `.position_ids`). */
  buffers?: readonly string[];
}): (key: string) => string | null {
  const base = new Set(options.baseParts);
  const buffers = options.buffers ?? [];
  return (key) => {
    if (buffers.some((ending) => key.endsWith(ending))) return null;
    const parts = key.split('.');
    const last = parts.length - 1;
    if (parts[last] === 'gamma') parts[last] = 'weight';
    else if (parts[last] === 'beta') parts[last] = 'bias';
    if (base.has(parts[0])) parts.unshift(options.prefix);
    return parts.join('.');
  };
}
