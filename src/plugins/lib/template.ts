/**
 * APISIX's variable templates (`core.utils.resolve_var`, spec §0.2), compiled once per conf
 * into a function of the request's variables, so a request never re-parses the text.
 *
 * Syntax: `$name` (name = `[A-Za-z0-9_.]+`), `${name}`, `${name ?? default}`; a variable that
 * is missing becomes "" (or the default). A `$` preceded by a backslash is left as it is, the
 * backslash included, as APISIX does. proxy-rewrite's header values also take regex captures
 * `$1`/`${1}` (`resolve_var_with_captures`), resolved before the variables.
 *
 * @example
 *   const t = compileTemplate('/v2$uri?from=${http_x_app ?? web}');
 *   t(ctx); // '/v2/users?from=web'
 */

/** What a template reads variables from: a PluginContext, or a test double. */
export interface VarSource {
  var(name: string): string | undefined;
}

export type Template = (src: VarSource) => string;

/** Capture groups of a regex match: index 0 the whole match; undefined for a group that did not take part. */
export type Captures = readonly (string | undefined)[];

export type CaptureTemplate = (src: VarSource, captures: Captures | undefined) => string;

/** A piece of a compiled template: literal text, a variable, or a capture group number. */
type Part =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'var'; readonly name: string; readonly fallback: string | undefined }
  | { readonly kind: 'capture'; readonly index: number };

// resolve_var's pattern; `\s` spelled out as PCRE's ASCII whitespace.
const VAR_PATTERN = /(?<!\\)\$(?:\{[ \t\n\v\f\r]*([^}]+?)[ \t\n\v\f\r]*\}|([A-Za-z0-9_.]+))/g;
const DEFAULT_SEPARATOR = /[ \t\n\v\f\r]*\?\?[ \t\n\v\f\r]*/;
// resolve_var_with_captures' pattern: the braces are each optional.
const CAPTURE_PATTERN = /(?<!\\)\$\{?(\d+)\}?/g;

function varParts(tpl: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of tpl.matchAll(VAR_PATTERN)) {
    if (m.index > last) parts.push({ kind: 'text', text: tpl.slice(last, m.index) });
    const inner = m[1] ?? m[2] ?? '';
    const [name = '', fallback] = inner.split(DEFAULT_SEPARATOR);
    parts.push({ kind: 'var', name, fallback });
    last = m.index + m[0].length;
  }
  if (last < tpl.length) parts.push({ kind: 'text', text: tpl.slice(last) });
  return parts;
}

function captureAndVarParts(tpl: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of tpl.matchAll(CAPTURE_PATTERN)) {
    if (m.index > last) parts.push(...varParts(tpl.slice(last, m.index)));
    parts.push({ kind: 'capture', index: Number(m[1]) });
    last = m.index + m[0].length;
  }
  if (last < tpl.length) parts.push(...varParts(tpl.slice(last)));
  return parts;
}

const identity = (v: string): string => v;

function resolvePart(
  part: Part,
  src: VarSource,
  captures: Captures | undefined,
  escape: (v: string) => string,
): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'capture':
      return captures?.[part.index] ?? '';
    case 'var': {
      const v = src.var(part.name) ?? part.fallback;
      return v === undefined ? '' : escape(v);
    }
  }
}

function build(parts: readonly Part[], escape: (v: string) => string): CaptureTemplate {
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const only = parts[0] as Part;
    if (only.kind === 'text') return () => only.text;
    return (src, captures) => resolvePart(only, src, captures, escape);
  }
  return (src, captures) => {
    let out = '';
    for (const part of parts) out += resolvePart(part, src, captures, escape);
    return out;
  };
}

/**
 * Compiles a `resolve_var` template. `escape` is applied to each resolved value (proxy-rewrite
 * escapes `?` in values it puts into a path).
 */
export function compileTemplate(tpl: string, escape: (v: string) => string = identity): Template {
  if (!tpl.includes('$')) return () => tpl;
  const resolve = build(varParts(tpl), escape);
  return (src) => resolve(src, undefined);
}

/**
 * Compiles a template with regex captures and variables (proxy-rewrite header values). A
 * capture's text is inserted as is: unlike APISIX's two textual passes, it is never read again
 * as a template, so a `$` that a client put in the path stays a `$`.
 */
export function compileCaptureTemplate(tpl: string): CaptureTemplate {
  if (!tpl.includes('$')) return () => tpl;
  return build(captureAndVarParts(tpl), identity);
}
