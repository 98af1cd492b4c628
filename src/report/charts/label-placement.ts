/**
 * Places one text label per point of a scatter plot, in pixels: no label covers another label or any
 * point, and a label sits closer to its own point than to any other, so it cannot be read as another
 * point's. Where no spot beside the point is free, the label goes further out with a leader line to it.
 */

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface LabelRequest {
  /** Centre of the point, in pixels from the plot's top left. */
  x: number;
  y: number;
  /** Width of the label's text in pixels. */
  width: number;
}

export interface PlacedLabel {
  box: Box;
  /** Where the text is anchored (vertically centred); `align` says which side of the text that is. */
  x: number;
  y: number;
  align: 'left' | 'right' | 'center';
  /** A line from the point to the label, for a label set apart from its point. */
  leader: { x1: number; y1: number; x2: number; y2: number } | null;
}

export interface PlotArea {
  width: number;
  height: number;
  /** Height of one line of label text. */
  lineHeight: number;
  /** Radius of a point's mark. */
  dot: number;
}

interface Candidate {
  box: Box;
  align: PlacedLabel['align'];
  withLeader: boolean;
  cost: number;
}

/** Space kept between a point's mark and a label beside it. */
const GAP = 5;
/** Space kept between two labels. */
const SPACING = 2;
/** A label's own point must be at least this much nearer than any other point. */
const OWNERSHIP_MARGIN = 6;
/** How far a leader keeps from other points, beyond their radius. */
const LEADER_CLEARANCE = 7;
/** Leader labels cost more than any spot beside the point, and more the further out they go. */
const LEADER_COST = 100;
/** Orders tried for the greedy pass: every one up to this many points, a few heuristic ones beyond. */
const EXHAUSTIVE_UP_TO = 6;

export const overlaps = (a: Box, b: Box, pad = 0): boolean =>
  a.x0 < b.x1 + pad && b.x0 < a.x1 + pad && a.y0 < b.y1 + pad && b.y0 < a.y1 + pad;

/** Distance from a point to the nearest point of a box (0 inside it). */
export function distanceToBox(x: number, y: number, box: Box): number {
  const dx = Math.max(box.x0 - x, 0, x - box.x1);
  const dy = Math.max(box.y0 - y, 0, y - box.y1);
  return Math.hypot(dx, dy);
}

/** The nearest point of a box to (x, y). */
function nearestOnBox(x: number, y: number, box: Box): [number, number] {
  return [Math.min(Math.max(x, box.x0), box.x1), Math.min(Math.max(y, box.y0), box.y1)];
}

/** A box of width w and height h whose `align` side (and vertical centre, or top, or bottom) is at (x, y). */
function boxAt(x: number, y: number, w: number, h: number, horizontal: number, vertical: number): Box {
  // horizontal: 0 = box starts at x, 1 = ends at x, 0.5 = centred; vertical likewise from the top.
  const x0 = x - w * horizontal;
  const y0 = y - h * vertical;
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

function alignOf(horizontal: number): PlacedLabel['align'] {
  return horizontal === 0 ? 'left' : horizontal === 1 ? 'right' : 'center';
}

/** Spots beside the point first (right, left, above, below, slightly shifted), then further out with a leader. */
function candidates(p: LabelRequest, area: PlotArea): Candidate[] {
  const h = area.lineHeight;
  const w = p.width;
  const near = area.dot + GAP;
  const out: Candidate[] = [];
  const add = (
    x: number,
    y: number,
    horizontal: number,
    vertical: number,
    leader: boolean,
    cost: number,
  ): void => {
    out.push({
      box: boxAt(x, y, w, h, horizontal, vertical),
      align: alignOf(horizontal),
      withLeader: leader,
      cost,
    });
  };
  const beside: [number, number, number, number][] = [
    [p.x + near, p.y, 0, 0.5],
    [p.x - near, p.y, 1, 0.5],
    [p.x, p.y - near, 0.5, 1],
    [p.x, p.y + near, 0.5, 0],
    [p.x + near, p.y - h / 3, 0, 0.5],
    [p.x + near, p.y + h / 3, 0, 0.5],
    [p.x - near, p.y - h / 3, 1, 0.5],
    [p.x - near, p.y + h / 3, 1, 0.5],
    [p.x - area.dot, p.y - near, 0, 1],
    [p.x + area.dot, p.y - near, 1, 1],
    [p.x - area.dot, p.y + near, 0, 0],
    [p.x + area.dot, p.y + near, 1, 0],
  ];
  beside.forEach(([x, y, hz, vt], i) => add(x, y, hz, vt, false, i));
  for (const distance of [2, 3, 4.5, 6.5, 9, 12].map((k) => k * h)) {
    for (let step = 0; step < 16; step++) {
      const angle = (step / 16) * 2 * Math.PI;
      const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
      const horizontal = cos > 0.3 ? 0 : cos < -0.3 ? 1 : 0.5;
      const vertical = sin > 0.3 ? 0 : sin < -0.3 ? 1 : 0.5;
      // A vertical leader would run along the point's error bar: slanted ones first, upright ones last.
      const upright = Math.abs(cos) < 0.3 ? LEADER_COST : 0;
      add(
        p.x + distance * cos,
        p.y + distance * sin,
        horizontal,
        vertical,
        true,
        LEADER_COST + distance + upright,
      );
    }
  }
  return out;
}

/** Whether the segment from a to b passes within `radius` of (x, y). */
function segmentNear(
  a: [number, number],
  b: [number, number],
  x: number,
  y: number,
  radius: number,
): boolean {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const length2 = dx * dx + dy * dy;
  const t = length2 ? Math.min(1, Math.max(0, ((x - a[0]) * dx + (y - a[1]) * dy) / length2)) : 0;
  return Math.hypot(a[0] + t * dx - x, a[1] + t * dy - y) < radius;
}

/** Whether the segment from a to b crosses a box (sampled: the segments are short and boxes a line tall). */
function segmentCrosses(a: [number, number], b: [number, number], box: Box): boolean {
  const steps = Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 2);
  for (let i = 0; i <= steps; i++) {
    const t = steps ? i / steps : 0;
    const [x, y] = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    if (x > box.x0 && x < box.x1 && y > box.y0 && y < box.y1) return true;
  }
  return false;
}

/** Whether segments ab and cd cross (touching ends count: two leaders must not meet either). */
function segmentsIntersect(
  a: [number, number],
  b: [number, number],
  c: [number, number],
  d: [number, number],
): boolean {
  const side = (p: [number, number], q: [number, number], r: [number, number]): number =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return side(a, b, c) * side(a, b, d) <= 0 && side(c, d, a) * side(c, d, b) <= 0;
}

interface Placed {
  box: Box;
  leader: [[number, number], [number, number]] | null;
}

function leaderFor(p: LabelRequest, box: Box, dot: number): [[number, number], [number, number]] {
  const end = nearestOnBox(p.x, p.y, box);
  const length = Math.hypot(end[0] - p.x, end[1] - p.y);
  const start: [number, number] = [
    p.x + ((end[0] - p.x) / length) * dot,
    p.y + ((end[1] - p.y) / length) * dot,
  ];
  return [start, end];
}

/** Whether `c` for point i fits among what is already placed: in the plot, clear of labels, points and leaders. */
function fits(c: Candidate, i: number, points: LabelRequest[], placed: Placed[], area: PlotArea): boolean {
  const { box } = c;
  if (box.x0 < 0 || box.y0 < 0 || box.x1 > area.width || box.y1 > area.height) return false;
  if (placed.some((q) => overlaps(q.box, box, SPACING))) return false;
  const clear = area.dot + 1;
  if (points.some((q) => distanceToBox(q.x, q.y, box) < clear)) return false;
  if (placed.some((q) => q.leader && segmentCrosses(q.leader[0], q.leader[1], box))) return false;
  const p = points[i]!;
  if (!c.withLeader) {
    const own = distanceToBox(p.x, p.y, box);
    return points.every((q, j) => j === i || distanceToBox(q.x, q.y, box) >= own + OWNERSHIP_MARGIN);
  }
  const [a, b] = leaderFor(p, box, area.dot);
  // Points on top of this one are passed by any leader; the others must be kept clear of.
  const apart = (q: LabelRequest): boolean => Math.hypot(q.x - p.x, q.y - p.y) > 2 * area.dot;
  const near = (q: LabelRequest): boolean => segmentNear(a, b, q.x, q.y, area.dot + LEADER_CLEARANCE);
  if (points.some((q, j) => j !== i && apart(q) && near(q))) return false;
  return !placed.some(
    (q) => segmentCrosses(a, b, q.box) || (q.leader && segmentsIntersect(a, b, ...q.leader)),
  );
}

/** One greedy pass in the given order: each point takes its cheapest spot that fits what came before. */
function greedy(order: number[], options: Candidate[][], points: LabelRequest[], area: PlotArea) {
  const chosen = new Map<number, Candidate & Placed>();
  let cost = 0;
  for (const i of order) {
    const done = [...chosen.values()];
    const fit = options[i]!.find((c) => fits(c, i, points, done, area));
    // Nothing fits (a crowd of points): the nearest in-plot spot with a leader, overlaps and all.
    const c = fit ?? options[i]!.find((o) => o.withLeader) ?? options[i]![0]!;
    cost += fit ? c.cost : 10_000;
    chosen.set(i, { ...c, leader: c.withLeader ? leaderFor(points[i]!, c.box, area.dot) : null });
  }
  return { cost, chosen };
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]),
  );
}

function heuristicOrders(points: LabelRequest[]): number[][] {
  const idx = points.map((_, i) => i);
  const by = (f: (p: LabelRequest) => number) => [...idx].sort((a, b) => f(points[a]!) - f(points[b]!));
  // Crowded points first: they have the fewest free spots.
  const crowd = (p: LabelRequest) => -points.filter((q) => Math.hypot(q.x - p.x, q.y - p.y) < 80).length;
  return [idx, by((p) => -p.x), by((p) => p.x), by((p) => p.y), by((p) => -p.y), by(crowd)];
}

/**
 * Greedy placement, tried over several orders of the points (all of them for a handful), keeping the
 * cheapest: beside-the-point spots cost their rank, leader spots much more, a label that fits nowhere most.
 */
export function placeLabels(points: LabelRequest[], area: PlotArea): PlacedLabel[] {
  const options = points.map((p) => candidates(p, area));
  const orders = points.length <= EXHAUSTIVE_UP_TO ? permutations(points.length) : heuristicOrders(points);
  let best: ReturnType<typeof greedy> | null = null;
  for (const order of orders) {
    const attempt = greedy(order, options, points, area);
    if (!best || attempt.cost < best.cost) best = attempt;
  }
  return points.map((_, i) => {
    const { box, align, leader } = best!.chosen.get(i)!;
    return {
      box,
      x: align === 'left' ? box.x0 : align === 'right' ? box.x1 : (box.x0 + box.x1) / 2,
      y: (box.y0 + box.y1) / 2,
      align,
      leader: leader ? { x1: leader[0][0], y1: leader[0][1], x2: leader[1][0], y2: leader[1][1] } : null,
    };
  });
}
