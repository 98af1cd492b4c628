import { SourceUnreachable, UserError } from '../errors.js';
import { EXPORT_COLUMNS } from './complaints.js';
import { formatCsv } from './csv.js';

export const DEFAULT_CFPB_API =
  'https://www.consumerfinance.gov/data-research/consumer-complaints/search/api/v1/';

/** The search API pages through at most 10,000 hits (Elasticsearch's result window). */
export const MAX_DOWNLOAD_SIZE = 10_000;
const PAGE_SIZE = 1_000;

export interface DownloadOptions {
  /** How many complaints with a narrative, 1 to 10,000. Default 1,000. */
  size?: number;
  /** API base URL; default $CFPB_API, else the CFPB's public endpoint. */
  endpoint?: string;
  /** Called after each page: complaints so far and the number wanted. */
  onProgress?: (done: number, wanted: number) => void;
  /** Per-request time limit in milliseconds. Default 120,000. */
  timeoutMs?: number;
}

export interface DownloadResult {
  /** The complaints as CSV text with the export's column names (CRLF lines), for the caller to write. */
  csv: string;
  rows: number;
  endpoint: string;
}

/** One hit's `_source` as the search API returns it. */
interface ComplaintSource {
  date_received?: unknown;
  product?: unknown;
  sub_product?: unknown;
  issue?: unknown;
  complaint_what_happened?: unknown;
  complaint_id?: unknown;
}

/**
 * Downloads the newest `size` complaints that have a narrative from the CFPB complaint search API
 * and returns them as CSV text with the export's column names (so preprocess reads it like the
 * published export); the caller writes it, atomically, where it wants it. The API's
 * `format=csv`/`json` exports ignore `size` and stream the whole database, so the plain search
 * response is paged instead: `has_narrative=true`, `size`, `frm`, newest first, no aggregations or
 * highlights.
 */
export async function downloadComplaints(options: DownloadOptions): Promise<DownloadResult> {
  const size = options.size ?? 1_000;
  if (!Number.isInteger(size) || size < 1 || size > MAX_DOWNLOAD_SIZE) {
    throw new UserError(
      `The download size must be a whole number from 1 to ${MAX_DOWNLOAD_SIZE.toLocaleString('en-US')} (the API's paging limit), got ${size}; for more, use the full export from consumerfinance.gov.`,
    );
  }
  const endpoint = options.endpoint ?? process.env.CFPB_API ?? DEFAULT_CFPB_API;
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw new UserError(`The CFPB API address ${JSON.stringify(endpoint)} is not a URL.`);
  }
  const pageSize = Math.min(size, PAGE_SIZE);
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (let from = 0; rows.length < size && from < MAX_DOWNLOAD_SIZE; from += pageSize) {
    const url = new URL(base);
    url.searchParams.set('has_narrative', 'true');
    url.searchParams.set('size', String(pageSize));
    url.searchParams.set('frm', String(from)); // the API wants frm to be a multiple of size
    url.searchParams.set('sort', 'created_date_desc');
    url.searchParams.set('no_aggs', 'true');
    url.searchParams.set('no_highlight', 'true');
    const hits = await fetchHits(url, options.timeoutMs ?? 120_000);
    for (const source of hits) {
      const narrative = text(source.complaint_what_happened);
      const id = text(source.complaint_id);
      if (narrative.trim() === '' || (id !== '' && seen.has(id))) continue;
      if (id !== '') seen.add(id);
      rows.push([
        text(source.date_received).slice(0, 10),
        text(source.product),
        text(source.sub_product),
        text(source.issue),
        narrative,
        id,
      ]);
      if (rows.length === size) break;
    }
    options.onProgress?.(rows.length, size);
    if (hits.length < pageSize) break; // the last page
  }
  if (rows.length === 0)
    throw new UserError(`The CFPB API at ${base.origin} returned no complaints with a narrative.`);
  return { csv: formatCsv(EXPORT_COLUMNS, rows, '\r\n'), rows: rows.length, endpoint: base.href };
}

async function fetchHits(url: URL, timeoutMs: number): Promise<ComplaintSource[]> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new SourceUnreachable(
      `the CFPB complaint API at ${url.origin}`,
      reason,
      '; check the network or set CFPB_API.',
    );
  }
  if (!response.ok) {
    throw new UserError(
      `The CFPB complaint API answered ${response.status} ${response.statusText} for ${url.origin}${url.pathname}.`,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new UserError(`The CFPB complaint API at ${url.origin} sent a response that is not JSON.`);
  }
  // The search response is {hits: {hits: [{_source}]}}; the json export is a list of hits.
  const list = Array.isArray(body) ? body : (body as { hits?: { hits?: unknown } } | null)?.hits?.hits;
  if (!Array.isArray(list))
    throw new UserError(
      `The CFPB complaint API at ${url.origin} sent JSON without a list of complaints (hits.hits).`,
    );
  return list.map(
    (hit) =>
      ((hit && typeof hit === 'object' && '_source' in hit ? (hit as { _source: unknown })._source : hit) ??
        {}) as ComplaintSource,
  );
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}
