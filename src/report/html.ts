import type { AnchorComparison } from './anchors.js';
import { earlyStoppingSentence } from './early-stopping.js';
import { dataParagraphs, dataSentence, settingsSentence, spreadSentence } from './describe.js';
import type { RunGroup } from './group.js';
import {
  anchorNotes,
  anchorsTable,
  BEST_OF_METHOD_SENTENCE,
  bestOfMethodTable,
  unmatchedSentence,
} from './markdown.js';
import { comparisonTable, runsTable, type Table } from './table.js';
import type { ChartFile } from './charts/catalog.js';
import { groupColorScale } from './charts/theme.js';
import { headerLines, twoLineWidth, type HeaderStyle } from './header-lines.js';

/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, no external resources), so it
 * can be mailed or archived next to the runs and still open offline.
 */

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Makes a standalone Vega SVG safe to inline several times in one page: the namespace declarations go
 * (HTML puts <svg> in the SVG namespace by itself, and no URL is left in the page), and every id is
 * prefixed so the clip paths and gradients of one chart cannot be picked up by another.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`)
    .replace(/^<svg /, '<svg role="img" ');
}

/** "0.767 ± 0.006" → the mean, then the spread set smaller and quieter, so columns of means read at a glance. */
function cellHtml(text: string): string {
  const at = text.indexOf(' ± ');
  if (at < 0) return escapeHtml(text);
  return `${escapeHtml(text.slice(0, at))}<span class="sd"> ± ${escapeHtml(text.slice(at + 3))}</span>`;
}

/** Must match `thead th` in the CSS below. */
const COLUMN_HEADER: HeaderStyle = { fontSize: 12.5, uppercase: true, letterSpacing: 0.04, bold: true };
/** Must match `tbody th` in the CSS below. */
const ROW_HEADER: HeaderStyle = { fontSize: 14, uppercase: false, letterSpacing: 0, bold: true };
/** A column header narrower than this stays on one line. */
const ONE_LINE_HEADER = 96;
/** Left and right padding of the first column, its colour swatch, and a margin for fonts wider than DejaVu Sans. */
const ROW_HEADER_EXTRA = 18 + 12 + 20 + 12;

function tableHtml(table: Table, swatches?: Map<string, string>): string {
  const head = table.headers
    .map((h, c) => {
      const lines = headerLines(h, COLUMN_HEADER, ONE_LINE_HEADER).map(escapeHtml).join('<br>');
      return `<th${table.align[c] === 'right' ? ' class="num"' : ''} scope="col">${lines}</th>`;
    })
    .join('');
  // Wide enough that no row's name wraps onto a third line.
  const rowHeader =
    Math.max(...table.rows.map((row) => twoLineWidth(row[0] ?? '', ROW_HEADER))) + ROW_HEADER_EXTRA;
  const body = table.rows
    .map((row, r) => {
      const cells = row.map((text, c) => {
        const classes = [table.align[c] === 'right' ? 'num' : '', table.best[c] === r ? 'best' : ''].filter(
          Boolean,
        );
        const swatch = c === 0 && swatches?.get(text);
        const content = swatch
          ? `<span class="swatch" style="background:${swatch}"></span>${escapeHtml(text)}`
          : cellHtml(text);
        const tag = c === 0 ? `th scope="row" style="min-width:${rowHeader}px"` : 'td';
        return `<${tag}${classes.length ? ` class="${classes.join(' ')}"` : ''}>${content}</${tag.split(' ')[0]}>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="table-wrap"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

/**
 * A chart is drawn at its own width, which fits a card on a laptop screen. On a narrower screen it shrinks
 * to the card, but to no less than SMALLEST of its width (text near 9 px): past that the card scrolls
 * sideways rather than leave the text unreadable.
 */
const SMALLEST = 0.7;

function figureHtml(chart: ChartFile, svg: string, number: number): string {
  const inline = inlineSvg(svg, `c${number}`);
  const width = Number(/^<svg[^>]*?\swidth="([\d.]+)"/.exec(inline)?.[1]);
  const style = `width:clamp(${Math.round(width * SMALLEST)}px,100%,${width}px)`;
  const sized = width ? inline.replace(/^<svg /, `<svg style="${style}" `) : inline;
  return `<figure id="fig-${number}">
<div class="chart">${sized}</div>
<figcaption><span class="fig-no">Figure ${number}.</span> ${escapeHtml(chart.caption)} <span class="file">${escapeHtml(chart.file)}</span></figcaption>
</figure>`;
}

const CSS = `
:root {
  --ink: #1f2933; --muted: #52606d; --faint: #9aa5b1; --rule: #e4e7eb; --paper: #ffffff; --wash: #f5f7fa;
  --accent: #3b6ea5; --best: #e8f1fb;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
}
main { max-width: 1180px; margin: 0 auto; padding: 48px 32px 64px; }
header { margin-bottom: 36px; }
.eyebrow { margin: 0 0 6px; font-size: 13px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--accent); }
h1 { margin: 0 0 14px; font-size: 34px; line-height: 1.2; letter-spacing: -.01em; }
h2 { margin: 52px 0 14px; font-size: 22px; line-height: 1.3; padding-bottom: 8px; border-bottom: 1px solid var(--rule); }
p { margin: 0 0 12px; max-width: 80ch; }
.lede { font-size: 18px; color: var(--ink); }
.muted, .note { color: var(--muted); }
.note { font-size: 14px; }
code { font: 14px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; background: var(--rule); padding: 1px 5px; border-radius: 4px; }
.table-wrap { overflow-x: auto; background: var(--paper); border: 1px solid var(--rule); border-radius: 10px; margin: 18px 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 10px 12px; text-align: left; border-bottom: 1px solid var(--rule); white-space: nowrap; }
th:first-child, td:first-child { padding-left: 18px; }
th:last-child, td:last-child { padding-right: 18px; }
tbody th, td:not(.num) { white-space: normal; }
td:not(.num) { min-width: 10em; }
.sd { color: var(--muted); font-size: 12.5px; }
thead th { font-size: 12.5px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; background: #fafbfc; vertical-align: bottom; white-space: nowrap; line-height: 1.35; }
tbody tr:last-child > * { border-bottom: none; }
tbody tr:hover { background: #fafcff; }
tbody th { font-weight: 600; }
.num { text-align: right; }
td.best { font-weight: 700; background: var(--best); }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 9px; vertical-align: 0; }
.charts { display: grid; grid-template-columns: minmax(0, 1fr); gap: 24px; }
figure { margin: 0; background: var(--paper); border: 1px solid var(--rule); border-radius: 10px; padding: 22px 24px 16px; }
.chart { overflow-x: auto; }
.chart svg { display: block; margin: 0 auto; height: auto; }
figcaption { margin-top: 12px; padding-top: 10px; border-top: 1px solid var(--rule); font-size: 14px; color: var(--muted); }
.fig-no { font-weight: 600; color: var(--ink); }
.file { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; color: var(--faint); margin-left: 4px; }
ul.notes { margin: 6px 0 12px; padding-left: 20px; color: var(--muted); font-size: 14px; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
footer { margin-top: 56px; padding-top: 16px; border-top: 1px solid var(--rule); font-size: 13px; color: var(--muted); }
@media (max-width: 720px) { main { padding: 28px 16px 48px; } figure { padding: 14px 12px 12px; } h1 { font-size: 28px; } }
@media print { body { background: white; } figure, .table-wrap { break-inside: avoid; border-color: #ccc; } }
`;

export interface HtmlInput {
  groups: RunGroup[];
  charts: { chart: ChartFile; svg: string }[];
  anchors?: AnchorComparison;
  runsDir: string;
  generatedAt: string;
}

export function renderHtml({ groups, charts, anchors, runsDir, generatedAt }: HtmlInput): string {
  const colors = groupColorScale(groups);
  const swatches = new Map(colors.domain.map((label, i) => [label, colors.range[i]!]));
  let figureNo = 0;
  const figures = (section: ChartFile['section']): string =>
    charts
      .filter((c) => c.chart.section === section)
      .map((c) => figureHtml(c.chart, c.svg, ++figureNo))
      .join('\n');

  const parts: string[] = [];
  parts.push(`<header>
<p class="eyebrow">LoRA Lab report</p>
<h1>Model comparison</h1>
<p class="lede">${escapeHtml(dataSentence(groups))}</p>
<p class="muted">${escapeHtml(settingsSentence(groups))}</p>
</header>`);

  const stopped = earlyStoppingSentence(groups);
  parts.push(`<section>
<h2>Summary</h2>
<p>${escapeHtml(spreadSentence(groups))}</p>
${stopped ? `<p>${escapeHtml(stopped)}</p>\n` : ''}${tableHtml(comparisonTable(groups), swatches)}
<p class="note">Trainable % is the share of all model parameters that training updates; training time is the wall-clock time of the optimizer steps (evaluation excluded), throughput the training examples processed per second. Highlighted cells are the best in their column.</p>
</section>`);

  if (anchors) {
    const notes = anchorNotes(anchors);
    const unmatched = unmatchedSentence(anchors);
    parts.push(`<section>
<h2>Against the PyTorch reference</h2>
${
  anchors.matches.length
    ? `<p>Our weighted test F1 next to the PyTorch runs in <code>${escapeHtml(anchors.file)}</code> with the same method, learning rate and max length; difference = ours − reference.</p>
${tableHtml(anchorsTable(anchors), swatches)}`
    : ''
}
${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${unmatched ? `<p class="note">${escapeHtml(unmatched)}</p>` : ''}
${
  anchors.bestOfMethod.length
    ? `<p>${escapeHtml(BEST_OF_METHOD_SENTENCE)}</p>
${tableHtml(bestOfMethodTable(anchors), swatches)}`
    : ''
}
${anchors.about ? `<details><summary>How the reference was produced</summary><p class="note">${escapeHtml(anchors.about)}</p></details>` : ''}
${charts.some((c) => c.chart.section === 'anchors') ? `<div class="charts">${figures('anchors')}</div>` : ''}
</section>`);
  }

  const data = dataParagraphs(groups);
  if (data.length > 0) {
    const lists = data.map(
      ({ who, sentences }) =>
        `${who ? `<p>For ${escapeHtml(who)}:</p>\n` : ''}<ul class="notes">${sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`,
    );
    parts.push(`<section>
<h2>Data</h2>
${lists.join('\n')}
</section>`);
  }

  const runCount = groups.reduce((s, g) => s + g.n, 0);
  parts.push(`<section>
<h2>Charts</h2>
<div class="charts">
${figures('overview')}
</div>
</section>`);

  if (charts.some((c) => c.chart.section === 'confusion'))
    parts.push(`<section>
<h2>Confusion matrices</h2>
<p>Where each model's predictions go, one matrix per model. A strong diagonal is good; the off-diagonal cells show which classes get mistaken for which.</p>
<div class="charts">
${figures('confusion')}
</div>
</section>`);

  parts.push(`<section>
<h2>Runs</h2>
<details>
<summary>All ${runCount} run${runCount === 1 ? '' : 's'} behind these numbers</summary>
${tableHtml(runsTable(groups), swatches)}
</details>
</section>`);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LoRA Lab: model comparison</title>
<style>${CSS}</style>
</head>
<body>
<main>
${parts.join('\n\n')}
<footer>Generated by <code>lora-lab report</code> on ${escapeHtml(generatedAt)} from ${runCount} run${runCount === 1 ? '' : 's'} in <code>${escapeHtml(runsDir)}</code>.</footer>
</main>
</body>
</html>
`;
}
