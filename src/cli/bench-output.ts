/** A benchmark's result: one JSON line with --json, else one `key: value` line per field. */
export function printResult(result: object, json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    for (const [k, v] of Object.entries(result))
      process.stdout.write(`${k}: ${typeof v === 'number' ? +v.toFixed(3) : v}\n`);
}
