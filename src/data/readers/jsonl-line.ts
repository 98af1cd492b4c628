import { UserError } from '../../errors.js';

/** One JSON Lines object and its line (1-based). */
export interface JsonRecord {
  values: Record<string, unknown>;
  line: number;
}

/** One line of a JSON Lines file: its object, null for a blank line, or a UserError naming the line. */
export function parseJsonLine(raw: string, path: string, line: number): JsonRecord | null {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `${path} line ${line} is not valid JSON (${(error as Error).message.replace(/\.$/, '')}); each line of a JSON Lines file must be one object.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(
      `${path} line ${line} is not a JSON object; each line of a JSON Lines file must be one object.`,
    );
  }
  return { values: value as Record<string, unknown>, line };
}
