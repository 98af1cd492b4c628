import { UserError } from '../errors.js';

/** A refusal with its HTTP status: the client gets the status and `{"error": message}`. */
export class HttpError extends UserError {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** What fastify's schema validation reports about the first thing wrong (ajv's error object). */
interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: ValidationIssue[];
}

/**
 * The status and the one sentence a client gets for an error thrown while handling its request: ours
 * (HttpError, UserError), fastify's (JSON that does not parse, a body over the limit, a body that fails
 * the route's schema), or a bug (500, with nothing of its internals).
 */
export function describeHttpError(error: unknown, bodyLimit: number): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.statusCode, message: error.message };
  if (error instanceof UserError) return { status: 400, message: oneLine(error.message) };
  const e = (error ?? {}) as FrameworkError;
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    return { status: 400, message: validationSentence(e.validation[0]) };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        message: `The request body is larger than this server's limit of ${bodyLimit} bytes.`,
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        message: 'The request body must be JSON, sent with Content-Type: application/json.',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'The request body is empty; send a JSON object.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        message: 'The request body does not have the length its Content-Length header says.',
      };
  }
  const status = e.statusCode ?? 500;
  if (status === 400 && (error instanceof SyntaxError || /JSON/i.test(e.message ?? ''))) {
    return { status, message: 'The request body is not valid JSON.' };
  }
  if (status >= 400 && status < 500) {
    const text = oneLine(e.message ?? 'The request was refused.');
    return { status, message: /[.!?]$/.test(text) ? text : `${text}.` };
  }
  return { status: 500, message: 'The server failed on this request; its log says why.' };
}

/** A schema complaint as a sentence that names the field: "texts[2] must be a string." */
function validationSentence(issue: ValidationIssue): string {
  const field = fieldName(issue.instancePath);
  const p = issue.params;
  switch (issue.keyword) {
    case 'required':
      return `The body needs the field "${String(p.missingProperty)}".`;
    case 'additionalProperties':
      return `The body has a field "${String(p.additionalProperty)}" that this route does not take.`;
    case 'type':
      return issue.instancePath === ''
        ? 'The body must be a JSON object.'
        : `${field} must be ${withArticle(String(p.type))}.`;
    case 'maxItems':
      return `${field} may hold at most ${String(p.limit)} items per request.`;
    case 'minItems':
      return `${field} must hold at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}.`;
    case 'minimum':
      return `${field} must be at least ${String(p.limit)}.`;
    case 'minLength':
      return `${field} must not be empty.`;
    case 'maxLength':
      return `${field} may be at most ${String(p.limit)} characters long.`;
    case 'pattern':
      return `${field} must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.`;
    default:
      return `${field} ${issue.message ?? 'is not valid'}.`;
  }
}

/** "/texts/2" → "texts[2]". */
function fieldName(path: string): string {
  if (path === '') return 'The body';
  return path
    .split('/')
    .slice(1)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function withArticle(type: string): string {
  if (type === 'integer') return 'a whole number';
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function oneLine(message: string): string {
  return message.trim().replace(/\s*[\r\n]+\s*/g, ' ');
}
