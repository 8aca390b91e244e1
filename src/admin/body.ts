import type { IncomingMessage } from 'node:http';
import { GatehouseError } from '../core/errors.js';
import { jsonLimitViolation } from './json-limits.js';

/**
 * Reads and parses a request body as APISIX's Admin API does: an empty body is `undefined`, a
 * body over `maxBytes` or one that is not JSON is a 400 with APISIX's wording (the JSON error
 * also echoes the raw body as `req_body`). The decoder message is Node's, not lua-cjson's. JSON
 * that parses is still refused when nested deeper than lua-cjson decodes or when it holds a
 * number no double can hold (json-limits.ts).
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return readRaw(req, maxBytes, parseBody);
}

function parseBody(raw: string): unknown {
  if (raw.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = parseLikeCjson(raw);
  } catch (err) {
    throw invalidBody(err instanceof Error ? err.message : String(err), raw);
  }
  const violation = jsonLimitViolation(raw);
  if (violation !== undefined) throw invalidBody(violation, raw);
  return parsed;
}

function invalidBody(reason: string, raw: string): GatehouseError {
  return new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', `invalid request body: ${reason}`, {
    body: { error_msg: `invalid request body: ${reason}`, req_body: raw },
  });
}

/**
 * JSON.parse, but like lua-cjson it takes raw control characters (a literal newline) inside
 * strings: APISIX's own docs send multi-line proto `content` that way with curl. Only a body
 * that fails strict parsing is rewritten, and a body still invalid reports the strict error.
 */
function parseLikeCjson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    const escaped = escapeControlsInStrings(raw);
    if (escaped === raw) throw err;
    try {
      return JSON.parse(escaped) as unknown;
    } catch {
      throw err;
    }
  }
}

function escapeControlsInStrings(raw: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    const code = ch.charCodeAt(0);
    if (inString && code < 0x20) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
      continue;
    }
    out += ch;
    if (ch === '"') inString = !inString;
    else if (ch === '\\' && inString) out += raw[++i] ?? '';
  }
  return out;
}

/**
 * Strict: a byte that is not UTF-8 is refused rather than stored as U+FFFD. The BOM is kept, so
 * a body that starts with one is not JSON, as for lua-cjson.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Collects the body and hands it to `parse` in the same promise. Once over the limit it stops
 * collecting but lets the rest flow into the void: destroying the request would destroy the
 * socket before the 400 is written.
 */
function readRaw(
  req: IncomingMessage,
  maxBytes: number,
  parse: (raw: string) => unknown,
): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(declared, maxBytes));
  }
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        // A small body arrives as one chunk: no array, no copy.
        if (first === undefined) first = chunk;
        else (more ??= [first]).push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd);
      req.resume();
      reject(tooLarge(size, maxBytes));
    };
    const onEnd = (): void => {
      let raw: string;
      try {
        raw =
          first === undefined ? '' : UTF8.decode(more === undefined ? first : Buffer.concat(more));
      } catch {
        reject(
          new GatehouseError(
            'GH_ERR_ADMIN_BAD_REQUEST',
            'invalid request body: the body is not valid UTF-8',
          ),
        );
        return;
      }
      try {
        resolve(parse(raw));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function tooLarge(size: number, maxBytes: number): GatehouseError {
  return new GatehouseError(
    'GH_ERR_ADMIN_BAD_REQUEST',
    `invalid request body: request size ${size} is greater than the maximum size ${maxBytes} allowed`,
  );
}
