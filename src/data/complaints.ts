import { UserError } from '../errors.js';
import { readCsvRecords, type CsvReadOptions } from './csv.js';

/**
 * Two CSV layouts are read:
 * - 'export': the CFPB export as published, with its own column names ("Product", "Consumer complaint
 *   narrative", "Sub-product", "Issue", "Date received", "Complaint ID") or the lower_snake_case names
 *   of newer exports and of the search API ("product", "consumer_complaint_narrative" or
 *   "complaint_what_happened", …);
 * - 'split': a processed split written by `preprocess`, with columns `text,label`, the label being
 *   the class name (see label-map.ts for names → ids).
 */
export type CsvLayout = 'export' | 'split';

/** One complaint; for a split file `product` is the label and `narrative` the (cleaned) text. */
export interface ComplaintRow {
  product: string;
  narrative: string;
  subProduct: string;
  issue: string;
  dateReceived: string;
  complaintId: string;
  /** Physical line of the file where the record starts, for messages. */
  line: number;
}

export interface ComplaintTable {
  path: string;
  layout: CsvLayout;
  header: string[];
  rows: ComplaintRow[];
}

/** The export's column names, in the export's order, as `download-data` writes them. */
export const EXPORT_COLUMNS = [
  'Date received',
  'Product',
  'Sub-product',
  'Issue',
  'Consumer complaint narrative',
  'Complaint ID',
] as const;

type Field = 'product' | 'narrative' | 'subProduct' | 'issue' | 'dateReceived' | 'complaintId';

// Keys are normalized names: lower case, runs of other characters as one underscore.
const ALIASES: Record<Field, readonly string[]> = {
  product: ['product'],
  narrative: ['consumer_complaint_narrative', 'complaint_what_happened', 'narrative'],
  subProduct: ['sub_product'],
  issue: ['issue'],
  dateReceived: ['date_received'],
  complaintId: ['complaint_id'],
};

export function normalizeColumnName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export interface ColumnMap {
  layout: CsvLayout;
  header: string[];
  index: Partial<Record<Field, number>> & { product: number; narrative: number };
}

/** Finds the columns of either layout, or says which are missing and which exist. */
export function mapColumns(header: string[], path: string): ColumnMap {
  const normalized = header.map(normalizeColumnName);
  const find = (names: readonly string[]): number | undefined => {
    for (const name of names) {
      const i = normalized.indexOf(name);
      if (i !== -1) return i;
    }
    return undefined;
  };
  const text = find(['text']);
  const label = find(['label']);
  if (text !== undefined && label !== undefined) {
    return { layout: 'split', header, index: { product: label, narrative: text } };
  }
  const index: Partial<Record<Field, number>> = {};
  for (const field of Object.keys(ALIASES) as Field[]) {
    const i = find(ALIASES[field]);
    if (i !== undefined) index[field] = i;
  }
  const existing = header.map((name) => JSON.stringify(name)).join(', ');
  if (index.product === undefined || index.narrative === undefined) {
    const missing =
      index.product === undefined && index.narrative === undefined
        ? 'no product column and no narrative column'
        : index.product === undefined
          ? 'no product column'
          : 'no narrative column';
    throw new UserError(
      `${path} has ${missing} (expected "Product" and "Consumer complaint narrative", their snake_case forms, or "text" and "label"); its columns are ${existing}.`,
    );
  }
  return {
    layout: 'export',
    header,
    index: { ...index, product: index.product, narrative: index.narrative },
  };
}

export interface ComplaintStream {
  columns: ColumnMap;
  rows: AsyncGenerator<ComplaintRow>;
}

/**
 * Opens a complaints CSV (either layout) and streams its rows; the header is read and checked
 * before this returns. Fields a short record lacks are empty strings.
 */
export async function openComplaintsCsv(
  path: string,
  options: CsvReadOptions = {},
): Promise<ComplaintStream> {
  const records = readCsvRecords(path, options);
  const first = await records.next();
  if (first.done || first.value.fields.every((field) => field.trim() === '')) {
    await records.return(undefined);
    throw new UserError(`${path} is empty: it has no header line.`);
  }
  let columns: ColumnMap;
  try {
    columns = mapColumns(first.value.fields, path);
  } catch (error) {
    await records.return(undefined);
    throw error;
  }
  const { index } = columns;
  const at = (fields: string[], i: number | undefined): string => (i === undefined ? '' : (fields[i] ?? ''));
  async function* rows(): AsyncGenerator<ComplaintRow> {
    for await (const { fields, line } of records) {
      yield {
        product: at(fields, index.product).trim(),
        narrative: at(fields, index.narrative),
        subProduct: at(fields, index.subProduct),
        issue: at(fields, index.issue),
        dateReceived: at(fields, index.dateReceived),
        complaintId: at(fields, index.complaintId),
        line,
      };
    }
  }
  return { columns, rows: rows() };
}

/** Reads a whole complaints CSV (either layout) into memory. */
export async function readComplaintsCsv(path: string, options: CsvReadOptions = {}): Promise<ComplaintTable> {
  const { columns, rows } = await openComplaintsCsv(path, options);
  const all: ComplaintRow[] = [];
  for await (const row of rows) all.push(row);
  return { path, layout: columns.layout, header: columns.header, rows: all };
}
