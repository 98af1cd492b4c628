import { textWidth } from '../text-width.js';
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

/**
 * Text sizes in pixels. The report page shows each chart at its own size (scaled down only on narrow
 * screens), so these are what a reader sees: near the page's 14 px notes, not a shrunken 10 px.
 */
export const TEXT_SIZE = 12.5;
/** Smaller text for values printed on many small marks (the per-class bars). */
export const SMALL_TEXT_SIZE = 11;
/** The widest a chart is drawn, padding included: what fits a report card at 1:1 on a laptop screen. */
export const CHART_WIDTH = 960;
/** Vega's padding around a chart (matches `padding` below). */
export const CHART_PADDING = { left: 8, right: 16 } as const;
const TITLE_SIZE = 17;
/**
 * Axis and legend labels are never cut with "…": the layouts reserve their measured widths, so the limit
 * only guards against a runaway name.
 */
const LABEL_LIMIT = 900;
const SUBTITLE_SIZE = 13;

export const CHART_CONFIG: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: { ...CHART_PADDING, top: 8, bottom: 8 },
  view: { stroke: null },
  title: {
    anchor: 'start',
    fontSize: TITLE_SIZE,
    fontWeight: 'bold',
    color: INK,
    subtitleFontSize: SUBTITLE_SIZE,
    subtitleColor: MUTED,
    subtitlePadding: 5,
    offset: 14,
  },
  axis: {
    labelFontSize: TEXT_SIZE,
    labelColor: INK,
    labelLimit: LABEL_LIMIT,
    titleFontSize: SUBTITLE_SIZE,
    titleFontWeight: 'normal',
    titleColor: MUTED,
    titlePadding: 10,
    domainColor: '#9aa5b1',
    tickColor: '#9aa5b1',
    gridColor: '#e4e7eb',
  },
  axisBand: { domain: false, ticks: false, labelPadding: 6 },
  legend: {
    labelFontSize: TEXT_SIZE,
    labelColor: INK,
    labelLimit: LABEL_LIMIT,
    titleFontSize: TEXT_SIZE,
    titleColor: MUTED,
    titleFontWeight: 'normal',
    symbolType: 'square',
  },
  bar: { cornerRadiusEnd: 2 },
  text: { fontSize: TEXT_SIZE, color: INK },
  header: { labelFontSize: SUBTITLE_SIZE, labelColor: INK, titleFontSize: SUBTITLE_SIZE, titleColor: MUTED },
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

/** Axis label padding plus the gap between a band axis's labels and the plot. */
const BAND_AXIS_GAP = 14;

/**
 * The plot width of a horizontal bar chart that, with its category labels on the left and value labels
 * right of the bars (`dx` from the bar's end), comes out CHART_WIDTH wide.
 */
export function barPlotWidth(categories: string[], values: string[], dx = 7): number {
  const widest = (texts: string[]): number => Math.max(0, ...texts.map((t) => textWidth(t, TEXT_SIZE)));
  const inner = CHART_WIDTH - CHART_PADDING.left - CHART_PADDING.right;
  return Math.floor(inner - widest(categories) - BAND_AXIS_GAP - widest(values) - dx - 2);
}
