import { parse as parseCsvSync, type CsvError, type InfoRecord, type Options } from 'csv-parse/sync';
import { UserError } from '../errors.js';

/** One CSV record and the physical line (1-based) where it starts. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

const LINE_BREAKS = /\r\n|\r|\n/g;

/**
 * csv-parse's options for labelled-text CSV (quotes relaxed, short records allowed, empty lines
 * skipped) with the lines tracked, and the one-sentence error for a parse that failed. The parser
 * reports lines its own way (CRLF inside a quoted field counts twice), so lines are tracked here: each
 * record starts where the previous one ended plus the empty lines skipped. Used by the streaming
 * reader of files (csv.ts) and by parseCsvText.
 */
export function csvParsing(delimiter: string): {
  options: Options;
  errorOf(path: string, error: unknown): unknown;
} {
  let nextLine = 1;
  let emptyLinesSeen = 0;
  return {
    options: {
      delimiter,
      relax_quotes: true,
      relax_column_count_less: true,
      skip_empty_lines: true,
      // on_record runs as the parser reaches each record, so the line state is current when it fails.
      on_record: (fields: string[], info: InfoRecord): string[] => {
        const line = nextLine + (info.empty_lines - emptyLinesSeen);
        emptyLinesSeen = info.empty_lines;
        let breaks = 0;
        for (const field of fields) if (field.length > 0) breaks += field.match(LINE_BREAKS)?.length ?? 0;
        nextLine = line + 1 + breaks;
        const record: CsvRecord = { fields, line };
        return record as unknown as string[];
      },
    },
    errorOf(path, error) {
      if (!isCsvError(error)) return error;
      const emptyLines = typeof error.empty_lines === 'number' ? error.empty_lines : emptyLinesSeen;
      return csvUserError(path, error, nextLine + (emptyLines - emptyLinesSeen));
    },
  };
}

/** csv-parse's errors by their codes: the Node and the browser build of csv-parse have a class each. */
function isCsvError(error: unknown): error is CsvError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('CSV_');
}

/** The records of a whole CSV (or TSV) text in memory, as readCsvRecords streams them from a file. */
export function parseCsvText(text: string, path: string, delimiter = ','): CsvRecord[] {
  const parsing = csvParsing(delimiter);
  try {
    return parseCsvSync(text, parsing.options) as unknown as CsvRecord[];
  } catch (error) {
    throw parsing.errorOf(path, error);
  }
}

function csvUserError(path: string, error: CsvError, line: number): UserError {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new UserError(
        `${path} has an unbalanced quote: a quoted field in the record that starts on line ${line} is never closed.`,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new UserError(
        `${path} has a stray quote in the record that starts on line ${line}: a closing quote must be followed by a comma or a line break.`,
      );
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const found = Array.isArray(error.record) ? `${error.record.length} fields` : 'more fields';
      return new UserError(`${path} line ${line} has ${found}, more than its header.`);
    }
    default:
      return new UserError(
        `${path} could not be read as CSV near line ${line}: ${error.message.replace(/\.$/, '')}.`,
      );
  }
}
