/**
 * response-rewrite `filters`: regex substitutions over a whole response body, compiled once.
 * The body is buffered (up to `max_resp_body_size`, the rest dropped), decoded when the upstream
 * compressed it (gzip, br — what APISIX decodes), then every filter runs in order.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Logger } from '../../core/logger.js';
import { compileSubstitution, ngxOptionsToFlags, type Substitution } from './regex-sub.js';

export interface FilterConf {
  regex: string;
  replace: string;
  scope: 'once' | 'global';
  options: string;
}

interface CompiledFilter {
  readonly sub: Substitution;
  readonly global: boolean;
}

/** The error of the first filter that does not compile, in APISIX's words, or undefined. */
export function checkFilters(filters: readonly FilterConf[]): string | undefined {
  for (const f of filters) {
    const compiled = compileFilter(f);
    if (typeof compiled === 'string') return compiled;
  }
  return undefined;
}

function compileFilter(f: FilterConf): CompiledFilter | string {
  const flags = ngxOptionsToFlags(f.options);
  if (typeof flags === 'string') return `regex "${f.regex}" validation failed: ${flags}`;
  const sub = compileSubstitution(f.regex, f.replace, flags.flags);
  if (typeof sub === 'string') return `regex "${f.regex}" validation failed: ${sub}`;
  return { sub, global: f.scope === 'global' };
}

/** `max`: the decoded size past which decoding fails (a compression bomb from the upstream). */
const DECODERS: Record<string, (b: Buffer, max: number) => Buffer> = {
  gzip: (b, max) => gunzipSync(b, { maxOutputLength: max }),
  br: (b, max) => brotliDecompressSync(b, { maxOutputLength: max }),
};

/**
 * Compiles filters `checkFilters` accepted into one function of a whole body. `encoding` is
 * the upstream's Content-Encoding; a body that cannot be decoded, or decodes to more than
 * `maxDecoded` bytes, is returned as it came.
 */
export function compileBodyFilters(
  filters: readonly FilterConf[],
  logger: Logger,
  maxDecoded: number,
): (body: Buffer, encoding: string | undefined) => Buffer {
  const compiled = filters.map((f) => {
    const c = compileFilter(f);
    if (typeof c === 'string') throw new Error(c);
    return c;
  });
  return (raw, encoding) => {
    let body = raw;
    if (encoding !== undefined) {
      const decode = DECODERS[encoding.toLowerCase()];
      if (decode === undefined) {
        logger.error(
          `filters may not work as expected due to unsupported compression encoding type: ${encoding}`,
        );
        return raw;
      }
      try {
        body = decode(raw, maxDecoded);
      } catch (err) {
        logger.error(`filters may not work as expected: ${(err as Error).message}`);
        return raw;
      }
    }
    const before = body.toString('utf8');
    let text = before;
    for (const f of compiled) text = f.global ? f.sub.all(text) : (f.sub.once(text) ?? text);
    // Untouched bytes go out as they came (a body that is not UTF-8 stays intact).
    return text === before ? body : Buffer.from(text, 'utf8');
  };
}
