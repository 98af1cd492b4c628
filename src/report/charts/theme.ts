import type { Config } from 'vega-lite';
import type { Method } from '../../train/results.js';
import type { RunGroup } from '../group.js';

/**
 * DejaVu Sans is what the PNG renderer finds on Debian; Verdana has nearly the same metrics, so the
 * inline SVGs look alike in a browser that lacks DejaVu.
 */
const CHART_FONT = 'DejaVu Sans, Verdana, Geneva, sans-serif';

const INK = '#1f2933';
const MUTED = '#52606d';
const RULE = '#cbd2d9';

export const CHART_CONFIG: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: { left: 8, right: 16, top: 8, bottom: 8 },
  view: { stroke: null },
  title: {
    anchor: 'start',
    fontSize: 15,
    fontWeight: 'bold',
    color: INK,
    subtitleFontSize: 11.5,
    subtitleColor: MUTED,
    subtitlePadding: 5,
    offset: 14,
  },
  axis: {
    labelFontSize: 11,
    labelColor: INK,
    labelLimit: 360,
    titleFontSize: 11.5,
    titleFontWeight: 'normal',
    titleColor: MUTED,
    titlePadding: 10,
    domainColor: '#9aa5b1',
    tickColor: '#9aa5b1',
    gridColor: '#e4e7eb',
  },
  axisBand: { domain: false, ticks: false, labelPadding: 6 },
  legend: {
    labelFontSize: 11,
    labelColor: INK,
    labelLimit: 360,
    titleFontSize: 11,
    titleColor: MUTED,
    titleFontWeight: 'normal',
    symbolType: 'square',
  },
  bar: { cornerRadiusEnd: 2 },
  text: { fontSize: 11, color: INK },
  errorbar: { thickness: 1.2, rule: { color: INK }, ticks: { size: 8, color: INK } },
  rule: { color: RULE },
};

/** Three shades per method, so several configs of one method stay recognisably that method. */
const PALETTE: Record<Method, readonly string[]> = {
  scratch: ['#3b6ea5', '#7ea6d3', '#1f4670'],
  full: ['#e07b24', '#f2b072', '#9c4f10'],
  lora: ['#3f9a5a', '#8cc99c', '#226536'],
};

/** A colour scale over group labels: one hue per method, shades for its variants. */
export function groupColorScale(groups: RunGroup[]): { domain: string[]; range: string[] } {
  const used: Record<Method, number> = { scratch: 0, full: 0, lora: 0 };
  return {
    domain: groups.map((g) => g.label),
    range: groups.map((g) => {
      const shades = PALETTE[g.method];
      return shades[used[g.method]++ % shades.length]!;
    }),
  };
}
