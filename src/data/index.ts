export { readCsvRecords, formatCsv, csvField, type CsvRecord, type CsvReadOptions } from './csv.js';
export {
  readComplaintsCsv,
  openComplaintsCsv,
  mapColumns,
  normalizeColumnName,
  EXPORT_COLUMNS,
  type ComplaintRow,
  type ComplaintTable,
  type ComplaintStream,
  type ColumnMap,
  type CsvLayout,
} from './complaints.js';
export { STUDY_PRODUCT_MERGE, mergeProduct } from './merge.js';
export { LabelMap, compareCodePoints } from './label-map.js';
export { stratifiedSplit, allocate, type SplitIndices, type SplitOptions } from './split.js';
export {
  preprocessComplaints,
  resolvePreprocessOptions,
  PREPROCESS_DEFAULTS,
  PREPROCESS_STEPS,
  type PreprocessOptions,
  type PreprocessResult,
  type PreprocessSummary,
  type ClassSummary,
  type SplitRow,
} from './preprocess.js';
export { formatSummary } from './summary-text.js';
export {
  formatPreprocessedFiles,
  readSplit,
  loadPreprocessed,
  formatSplitCsv,
  SPLIT_FILES,
  LABEL_MAP_FILE,
  SUMMARY_FILE,
  type PreprocessedData,
  type PreprocessedFile,
} from './split-files.js';
export {
  readLabelledFile,
  labelledRows,
  type LabelledFile,
  type LabelledReadOptions,
  type LabelledRow,
} from './readers/labelled-file.js';
export { readTextFile, type TextFile, type TextRow } from './readers/text-file.js';
export { readTableRows, formatOf, type TableFormat, type TableRow } from './readers/table.js';
export { readTableBytes } from './readers/table-bytes.js';
export {
  prepareLabelledData,
  preparedExamples,
  splitLabelledFiles,
  type PrepareOptions,
  type PreparedData,
  type LabelledDataSummary,
} from './prepare-labelled.js';
export {
  labelledDataRecord,
  recipeDataRecord,
  dataDirRecord,
  DROP_REASONS,
  type DataRecord,
  type DataFileRecord,
  type DropReason,
} from './data-record.js';
export { describeData } from './data-record-text.js';
export {
  tokenizeDataset,
  encodeExample,
  type PairEncoding,
  type Example,
  type TokenizedExample,
  type TokenizedDataset,
  type TokenizerLike,
} from './dataset.js';
export {
  tokenizeWithCache,
  type TokenCacheStore,
  type CachedTokenizeOptions,
  type CachedTokenization,
} from './token-cache.js';
export { makeBatches, countBatches, padExamples, type Batch, type BatchOptions } from './batch.js';
export type { RandomSource } from './random-source.js';
export {
  downloadComplaints,
  DEFAULT_CFPB_API,
  MAX_DOWNLOAD_SIZE,
  type DownloadOptions,
  type DownloadResult,
} from './download.js';
