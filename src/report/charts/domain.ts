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
  let lo = Math.max(bounds[0], Math.floor((min - pad) / step) * step);
  let hi = Math.min(bounds[1], Math.ceil((max + pad) / step) * step);
  // Too narrow a range makes noise look like a gap: widen it, further on the side away from a bound.
  const short = minSpan - (hi - lo);
  if (short > 0) {
    lo = Math.max(bounds[0], lo - short / 2);
    hi = Math.min(bounds[1], lo + minSpan);
    lo = Math.max(bounds[0], hi - minSpan);
  }
  // Whole steps (the tolerance keeps 0.55 / 0.05 = 10.999… at 11), without the float dust of 0.1 + 0.2.
  const down = +(Math.floor(lo / step + 1e-9) * step).toFixed(10);
  const up = +(Math.ceil(hi / step - 1e-9) * step).toFixed(10);
  return [down, up];
}

/** Round ticks across a zoomed domain: every `step`, or every 2nd, 4th or 10th where that would crowd. */
export function domainTicks([lo, hi]: [number, number], step = 0.05, most = 8): number[] {
  const every = [1, 2, 4, 10].map((k) => k * step).find((s) => (hi - lo) / s <= most) ?? (hi - lo) / most;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / every - 1e-9) * every; v <= hi + 1e-9; v += every) ticks.push(+v.toFixed(10));
  return ticks;
}
