/**
 * An axis range around the data for scores in [0, 1] drawn as points (not bars, which must start at 0):
 * F1s of 0.58 to 0.81 on a 0–1 axis would sit in a sliver of the plot.
 */
export function zoomedDomain(
  values: number[],
  {
    step = 0.05,
    minSpan = 0.1,
    bounds = [0, 1],
  }: { step?: number; minSpan?: number; bounds?: [number, number] } = {},
): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return bounds;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // A margin of a sixth of the spread (at least a third of a step), so no point sits on the frame.
  const pad = Math.max((max - min) / 6, step / 3);
  let lo = Math.floor((min - pad) / step) * step;
  let hi = Math.ceil((max + pad) / step) * step;
  if (hi - lo < minSpan) {
    const grow = (minSpan - (hi - lo)) / 2;
    lo = Math.floor((lo - grow) / step) * step;
    hi = Math.ceil((hi + grow) / step) * step;
  }
  // Clamp last and round away the float dust of the multiplications (0.30000000000000004).
  const tidy = (v: number): number => Math.round(v / step) * step;
  return [Math.max(bounds[0], +tidy(lo).toFixed(10)), Math.min(bounds[1], +tidy(hi).toFixed(10))];
}

/** Round ticks across a zoomed domain: every `step`, or every second or fifth one where that would crowd. */
export function domainTicks([lo, hi]: [number, number], step = 0.05, most = 8): number[] {
  const every = [1, 2, 5, 10].map((k) => k * step).find((s) => (hi - lo) / s <= most) ?? (hi - lo) / most;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / every - 1e-9) * every; v <= hi + 1e-9; v += every) ticks.push(+v.toFixed(10));
  return ticks;
}
