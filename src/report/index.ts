/** The report layer's public surface; src/index.ts re-exports it. */
export { writeReport, type ReportOptions, type ReportResult } from './write-report.js';
export { loadRuns, findResultsFiles, parseResults, type LoadedRun } from './load.js';
export { groupRuns, METHOD_ORDER, METHOD_NAMES, type RunGroup, type ClassSummary } from './group.js';
export { summarize, spread, type Stat } from './stats.js';
export { extractSettings, experimentKey, flattenConfig, formatLr, type RunSettings } from './settings.js';
export {
  formatStat,
  formatCount,
  formatCountStat,
  formatCompact,
  formatPercent,
  formatDuration,
  formatRate,
  formatSigned,
  timeUnit,
} from './format.js';
export { comparisonTable, runsTable, toMarkdownTable, type Table } from './table.js';
export {
  loadAnchors,
  parseAnchors,
  matchAnchors,
  type Anchors,
  type AnchorRun,
  type AnchorMatch,
} from './anchors.js';
export { comparisonJson, type ComparisonJson } from './json.js';
export { renderMarkdown } from './markdown.js';
export { renderHtml, inlineSvg, escapeHtml } from './html.js';
export { renderSvg, svgToPng, compileSpec } from './render.js';
export { chartCatalog, type ChartFile } from './charts/catalog.js';
export { f1Spec } from './charts/f1.js';
export { trainableParamsSpec, logDomain, decades } from './charts/params.js';
export { trainingTimeSpec } from './charts/time.js';
export { f1VsParamsSpec } from './charts/f1-vs-params.js';
export { placeLabels, type PlacedLabel, type LabelRequest } from './charts/label-placement.js';
export { zoomedDomain } from './charts/domain.js';
export { perClassF1Spec } from './charts/per-class.js';
export { classOrder } from './charts/class-order.js';
export { confusionSpec, confusionCells } from './charts/confusion.js';
export { anchorsSpec } from './charts/anchors.js';
