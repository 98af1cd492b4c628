// The live chart of a training run, drawn as SVG: the loss of every step (left axis) and the
// validation F1 of every epoch (right axis, 0 to 1), against the step.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 240;
const PAD = { left: 48, right: 44, top: 12, bottom: 30 };

export interface ChartData {
  totalSteps: number;
  /** [step, loss] */
  loss: [number, number][];
  /** [step at the epoch's end, F1] */
  f1: [number, number][];
}

export function drawChart(svg: SVGSVGElement, data: ChartData): void {
  svg.replaceChildren();
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const maxStep = Math.max(1, data.totalSteps);
  const maxLoss = niceCeil(Math.max(0.1, ...data.loss.map(([, l]) => l)));
  const x = (step: number): number => PAD.left + (step / maxStep) * plotW;
  const yLoss = (loss: number): number => PAD.top + plotH - (Math.min(loss, maxLoss) / maxLoss) * plotH;
  const yF1 = (f1: number): number => PAD.top + plotH - f1 * plotH;

  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + (plotH * i) / 4;
    add(svg, 'line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: 'grid', stroke: '#e3e6ec' });
    text(svg, PAD.left - 6, y + 4, formatTick(maxLoss * (1 - i / 4)), 'end', '#c2410c');
    text(svg, WIDTH - PAD.right + 6, y + 4, (1 - i / 4).toFixed(2), 'start', '#2456c7');
  }
  add(svg, 'line', {
    x1: PAD.left,
    x2: WIDTH - PAD.right,
    y1: PAD.top + plotH,
    y2: PAD.top + plotH,
    stroke: '#9aa3b2',
  });
  for (const step of stepTicks(maxStep)) {
    text(svg, x(step), HEIGHT - PAD.bottom + 16, String(step), 'middle', '#5a6272');
  }
  text(svg, PAD.left + plotW / 2, HEIGHT - 2, 'step', 'middle', '#5a6272');

  if (data.loss.length > 0) {
    const points = data.loss.map(([s, l]) => `${x(s).toFixed(1)},${yLoss(l).toFixed(1)}`).join(' ');
    add(svg, 'polyline', {
      points,
      fill: 'none',
      stroke: '#c2410c',
      'stroke-width': 1.5,
      class: 'loss-line',
      // The losses themselves, unrounded, for whatever reads the page (the browser tests compare runs).
      'data-losses': data.loss.map(([, l]) => String(l)).join(' '),
    });
  }
  if (data.f1.length > 0) {
    const points = data.f1.map(([s, f]) => `${x(s).toFixed(1)},${yF1(f).toFixed(1)}`).join(' ');
    add(svg, 'polyline', { points, fill: 'none', stroke: '#2456c7', 'stroke-width': 2, class: 'f1-line' });
    for (const [s, f] of data.f1)
      add(svg, 'circle', { cx: x(s), cy: yF1(f), r: 3.5, fill: '#2456c7', class: 'f1-point' });
  }
}

function add(parent: Element, name: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  parent.appendChild(element);
  return element;
}

function text(parent: Element, x: number, y: number, content: string, anchor: string, fill: string): void {
  const element = add(parent, 'text', { x, y, 'text-anchor': anchor, fill, 'font-size': 11 });
  element.textContent = content;
}

/** The step axis's labels: 0 and round multiples (1, 2 or 5 times a power of ten), at most six, up to `maxStep`. */
export function stepTicks(maxStep: number): number[] {
  const every = Math.max(1, niceCeil(maxStep / 5));
  const ticks: number[] = [];
  for (let step = 0; step <= maxStep; step += every) ticks.push(step);
  return ticks;
}

/** 1, 2 or 5 times a power of ten, at or above `value`. */
function niceCeil(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Three significant digits at most, so that 0.075 (a quarter below 0.1) is not shown as 0.08. */
function formatTick(value: number): string {
  return String(Number(value.toPrecision(3)));
}
