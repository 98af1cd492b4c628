/** Consecutive rows of a batch that go through the same adapter (null: the base model alone). */
export interface RowRun {
  adapter: string | null;
  start: number;
  count: number;
}

/**
 * Which adapter each row of the batch in flight goes through: PEFT's `adapter_names` of a mixed batch.
 * Every MultiAdapterLinear and MultiAdapterLayerNorm of a model shares one routing; a forward pass
 * runs inside `route`, which sets it for the pass and clears it afterwards. Rows are taken in runs of
 * the same adapter, so a batch ordered by adapter costs each adapter one slice of rows.
 */
export class AdapterRouting {
  private current: { rows: number; runs: RowRun[] } | null = null;

  /** Runs `fn` (a forward pass) with row i of its batch going through `rows[i]`. */
  route<T>(rows: readonly (string | null)[], fn: () => T): T {
    if (this.current !== null) throw new Error('AdapterRouting.route was entered twice.');
    this.current = { rows: rows.length, runs: runsOf(rows) };
    try {
      return fn();
    } finally {
      this.current = null;
    }
  }

  /**
   * The runs over a tensor whose first axis has `leading` entries: batch rows ([B, T, H] or [B, H]) or
   * batch-major token rows ([B·T, H]), each batch row then covering leading / B entries. Outside `route`
   * every row goes through the base model.
   */
  runsOver(leading: number): RowRun[] {
    if (this.current === null) return [{ adapter: null, start: 0, count: leading }];
    const { rows, runs } = this.current;
    if (rows === 0 || leading % rows !== 0) {
      throw new Error(
        `A layer's input has ${leading} rows, which the routed batch of ${rows} does not divide.`,
      );
    }
    const per = leading / rows;
    return per === 1
      ? runs
      : runs.map((r) => ({ adapter: r.adapter, start: r.start * per, count: r.count * per }));
  }
}

function runsOf(rows: readonly (string | null)[]): RowRun[] {
  const runs: RowRun[] = [];
  for (let i = 0; i < rows.length; i++) {
    const last = runs.at(-1);
    if (last && last.adapter === rows[i]) last.count++;
    else runs.push({ adapter: rows[i], start: i, count: 1 });
  }
  return runs;
}
