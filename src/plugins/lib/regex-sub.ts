/**
 * `ngx.re.sub` / `ngx.re.gsub` with a PCRE pattern and an nginx replacement template, compiled
 * once: proxy-rewrite and redirect `regex_uri`, response-rewrite `filters`.
 *
 * Replacement syntax (lua-nginx-module): `$0`..`$N` or `${N}` insert a capture (a group that did
 * not take part, or a number past the last group, inserts nothing), `$$` is a `$`; any other use
 * of `$` (`$name`, a `$` at the end, `${1` left open) is refused, as nginx refuses it.
 *
 * @example
 *   const sub = compileSubstitution('^/api/(.*)', '/v2/$1');
 *   if (typeof sub !== 'string') sub.once('/api/users'); // '/v2/users'
 */
import { toJsRegExp } from '../../core/expr/pcre.js';

/** Literal text, or the number of a capture group. */
type Piece = string | number;

/** Parses an nginx replacement template; undefined when nginx would refuse it. */
function parseReplacement(tpl: string): Piece[] | undefined {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < tpl.length) {
    const c = tpl[i] as string;
    i += 1;
    if (c !== '$') {
      text += c;
    } else if (tpl[i] === '$') {
      text += '$';
      i += 1;
    } else {
      const bracket = tpl[i] === '{';
      const digits = /^\d+/.exec(tpl.slice(bracket ? i + 1 : i))?.[0];
      // Not a number (`$name`, `$`, `${}`), or a `{` left open: refused, as nginx does.
      if (digits === undefined) return undefined;
      i += (bracket ? 1 : 0) + digits.length;
      if (bracket) {
        if (tpl[i] !== '}') return undefined;
        i += 1;
      }
      if (text !== '') pieces.push(text);
      text = '';
      pieces.push(Number(digits));
    }
  }
  if (text !== '') pieces.push(text);
  return pieces;
}

function expand(pieces: readonly Piece[], m: RegExpExecArray): string {
  let out = '';
  for (const p of pieces) out += typeof p === 'string' ? p : (m[p] ?? '');
  return out;
}

export interface Substitution {
  /** The regex, to match without substituting (proxy-rewrite keeps the captures). */
  readonly regex: RegExp;
  /** The first match replaced, or undefined when nothing matched. */
  once(input: string): string | undefined;
  /** The first match replaced and its captures, or undefined when nothing matched. */
  onceWithCaptures(input: string): { result: string; captures: RegExpExecArray } | undefined;
  /** Every match replaced (the input unchanged when nothing matched). */
  all(input: string): string;
}

/**
 * Compiles a PCRE pattern and a replacement template; a string result is the reason it cannot
 * be compiled. `flags` are JS flags besides `g` (see `ngxOptionsToFlags`).
 */
export function compileSubstitution(
  pattern: string,
  replacement: string,
  flags = '',
): Substitution | string {
  const base = toJsRegExp(pattern, false);
  if (typeof base === 'string') return base;
  const pieces = parseReplacement(replacement);
  // ngx.re.sub's own words (the detail goes to nginx's error log).
  if (pieces === undefined) return 'failed to compile the replacement template';
  let regex: RegExp;
  let global: RegExp;
  try {
    regex = new RegExp(base.source, mergeFlags(base.flags, flags, false));
    global = new RegExp(base.source, mergeFlags(base.flags, flags, true));
  } catch (err) {
    return (err as Error).message;
  }
  const onceWithCaptures = (input: string) => {
    regex.lastIndex = 0;
    const m = regex.exec(input);
    if (m === null) return undefined;
    const result = input.slice(0, m.index) + expand(pieces, m) + input.slice(m.index + m[0].length);
    return { result, captures: m };
  };
  return {
    regex,
    onceWithCaptures,
    once: (input) => onceWithCaptures(input)?.result,
    all(input) {
      global.lastIndex = 0;
      let out = '';
      let last = 0;
      let m: RegExpExecArray | null;
      while ((m = global.exec(input)) !== null) {
        out += input.slice(last, m.index) + expand(pieces, m);
        last = m.index + m[0].length;
        if (m[0].length === 0) {
          // An empty match: step over one character, or a sticky regex would stop here.
          if (global.sticky) break;
          global.lastIndex += 1;
        }
      }
      return out + input.slice(last);
    },
  };
}

function mergeFlags(a: string, b: string, global: boolean): string {
  const set = new Set([...a, ...b]);
  if (global) set.add('g');
  else set.delete('g');
  return [...set].join('');
}

/**
 * nginx regex options (`ngx.re` "jo", "i", ...) as JS flags; a string result is the error in
 * lua-resty-core's words. `j`, `o`, `J`, `D` change nothing here; `a` (anchored) becomes the
 * sticky flag; `x` and `d` (DFA) have no JS counterpart and are refused.
 */
export function ngxOptionsToFlags(options: string): { flags: string } | string {
  let flags = '';
  for (const c of options) {
    switch (c) {
      case 'i':
      case 'm':
      case 's':
      case 'u':
        flags += c;
        break;
      case 'a':
        flags += 'y';
        break;
      case 'j':
      case 'o':
      case 'J':
      case 'D':
        break;
      case 'x':
      case 'd':
        return `the "${c}" regex option is not supported`;
      default:
        return `unknown flag "${c}" (flags "${options}")`;
    }
  }
  return { flags };
}
