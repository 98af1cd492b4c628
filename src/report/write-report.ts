import { resolve, join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import { loadAnchors, matchAnchors } from './anchors.js';
import { chartCatalog } from './charts/catalog.js';
import { groupRuns } from './group.js';
import { renderHtml } from './html.js';
import { comparisonJson } from './json.js';
import { loadRuns } from './load.js';
import { renderMarkdown } from './markdown.js';
import { renderSvg, svgToPng } from './render.js';

export interface ReportOptions {
  /** Searched recursively for results.json, one run per folder. */
  runsDir: string;
  /** Where the report goes; the runs folder when left out. */
  outputDir?: string;
  /** A PyTorch reference file (anchors/pytorch_reference.json) to compare weighted F1 with. */
  anchorsPath?: string;
  /** The time stamped into the report; now when left out (tests pass a fixed one). */
  now?: Date;
}

export interface ReportResult {
  /** Absolute paths of every file written, in the order written. */
  files: string[];
}

/**
 * Reads every run under `runsDir`, groups seeds of one experiment, and writes comparison.md,
 * comparison.json, report.html and one PNG per chart into the output folder, each atomically.
 * Everything is read and rendered before the first file is written, so a bad input leaves no partial report.
 */
export async function writeReport(options: ReportOptions): Promise<ReportResult> {
  const runsDir = resolve(options.runsDir);
  const outputDir = resolve(options.outputDir ?? runsDir);
  const generatedAt = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const groups = groupRuns(loadRuns(runsDir));
  const anchors = options.anchorsPath ? matchAnchors(groups, loadAnchors(options.anchorsPath)) : undefined;
  const charts = chartCatalog(groups, anchors?.matches ?? []);
  const rendered: { chart: (typeof charts)[number]; svg: string; png: Uint8Array }[] = [];
  for (const chart of charts) {
    const svg = await renderSvg(chart.spec);
    rendered.push({ chart, svg, png: svgToPng(svg) });
  }

  const outputs: [string, string | Uint8Array | object][] = [
    ['comparison.md', renderMarkdown({ groups, charts, anchors, generatedAt })],
    ['comparison.json', comparisonJson(groups, runsDir, generatedAt, anchors)],
    ['report.html', renderHtml({ groups, charts: rendered, anchors, runsDir, generatedAt })],
    ...rendered.map(({ chart, png }): [string, Uint8Array] => [chart.file, png]),
  ];
  const files: string[] = [];
  for (const [name, content] of outputs) {
    const path = join(outputDir, name);
    if (typeof content === 'string' || content instanceof Uint8Array) writeFileAtomic(path, content);
    else writeJsonAtomic(path, content);
    files.push(path);
  }
  return { files };
}
