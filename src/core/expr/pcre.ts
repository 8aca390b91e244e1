/**
 * PCRE (what `~~`/`~*` use in APISIX, through ngx.re) to a JS RegExp, once, when a rule is
 * compiled. The common differences are translated; what JS cannot express is refused with a
 * reason instead of silently matching something else.
 *
 * Translated: leading inline flags `(?i)` `(?s)` `(?m)`, `\A` `\z` `\Z`, `\Q...\E`, `\h`, `\e`,
 * `\x{hh}`, `(?P<name>` and `(?P=name)`, `(?#comment)`, POSIX classes `[[:alpha:]]`, a `]` first
 * in a class. Refused: possessive quantifiers, atomic groups, recursion, conditionals, inline
 * flags after the start, `\p` `\X` `\R` `\G` `\K` `\C`, `(?x)`.
 *
 * @example
 *   toJsRegExp('(?i)^/API', false); // /^\/API/i
 *   toJsRegExp('a++', false); // 'possessive quantifiers are not supported'
 */
export function toJsRegExp(pattern: string, caseless: boolean): RegExp | string {
  const flags = new Set<string>(caseless ? ['i'] : []);
  let src = pattern;
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead !== null) {
    for (const f of lead[1] ?? '') {
      if (f === 'x') return 'the (?x) flag is not supported';
      flags.add(f);
    }
    src = src.slice(lead[0].length);
  }
  const out = translate(src);
  if (out.error !== undefined) return out.error;
  try {
    return new RegExp(out.source, [...flags].join(''));
  } catch (err) {
    return (err as Error).message;
  }
}

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  punct: '!-\\/:-@\\[-`{-~',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

const REFUSED_ESCAPES: Record<string, string> = {
  p: 'Unicode properties (\\p) are not supported',
  P: 'Unicode properties (\\P) are not supported',
  X: '\\X is not supported',
  R: '\\R is not supported',
  G: '\\G is not supported',
  K: '\\K is not supported',
  C: '\\C is not supported',
};

interface Translation {
  source: string;
  error?: string;
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

// One pass, aware of escapes and character classes; `quantified` says whether the previous
// token was a quantifier, which is what makes a following `+` possessive.
function translate(src: string): Translation {
  let out = '';
  let inClass = false;
  let quantified = false;
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const literal = src.slice(i + 2, end === -1 ? src.length : end);
        out += escapeLiteral(literal);
        i = end === -1 ? src.length : end + 2;
      } else if (REFUSED_ESCAPES[n] !== undefined) {
        return { source: '', error: REFUSED_ESCAPES[n] };
      } else if (n === 'x' && src[i + 2] === '{') {
        const end = src.indexOf('}', i + 3);
        const hex = src.slice(i + 3, end);
        if (end === -1 || !/^[0-9a-fA-F]{1,4}$/.test(hex)) {
          return { source: '', error: `unsupported escape \\x{${hex}}` };
        }
        out += `\\u${hex.padStart(4, '0')}`;
        i = end + 1;
      } else {
        if (!inClass && n === 'A') out += '^';
        else if (!inClass && n === 'z') out += '$';
        else if (!inClass && n === 'Z') out += '(?=\\n?$)';
        else if (n === 'h') out += inClass ? ' \\t' : '[ \\t]';
        else if (n === 'e') out += '\\x1b';
        else out += c + n;
        i += 2;
      }
      quantified = false;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
      if (posix !== null) {
        const body = POSIX[posix[2] ?? ''];
        if (body === undefined || posix[1] === '^') {
          return { source: '', error: `unsupported POSIX class ${posix[0]}` };
        }
        out += body;
        i += posix[0].length;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      const negated = src[i + 1] === '^';
      out += negated ? '[^' : '[';
      i += negated ? 2 : 1;
      // PCRE reads a `]` right after `[` or `[^` as a literal; JS would read an empty class.
      if (src[i] === ']') {
        out += '\\]';
        i += 1;
      }
      quantified = false;
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const group = groupStart(src, i);
      if (group.error !== undefined) return { source: '', error: group.error };
      out += group.source;
      i = group.next;
      quantified = false;
      continue;
    }
    if (c === '+' && quantified) {
      return { source: '', error: 'possessive quantifiers are not supported' };
    }
    if (c === '*' || c === '+' || c === '?') {
      // `a+?` is lazy in both dialects: the `?` after a quantifier is not itself one.
      quantified = !(c === '?' && quantified);
      out += c;
      i += 1;
      continue;
    }
    if (c === '{') {
      const counted = /^\{\d+(?:,\d*)?\}/.exec(src.slice(i));
      if (counted !== null) {
        out += counted[0];
        i += counted[0].length;
        quantified = true;
        continue;
      }
    }
    out += c;
    quantified = false;
    i += 1;
  }
  return { source: out };
}

function groupStart(src: string, i: number): Translation & { next: number } {
  const rest = src.slice(i + 2);
  if (rest.startsWith('#')) {
    const end = src.indexOf(')', i);
    return { source: '', next: end === -1 ? src.length : end + 1 };
  }
  if (rest.startsWith('P<')) return { source: '(?<', next: i + 4 };
  const backref = /^P=(\w+)\)/.exec(rest);
  if (backref !== null) {
    return { source: `\\k<${backref[1] ?? ''}>`, next: i + 2 + backref[0].length };
  }
  if (/^(?::|=|!|<=|<!|<[A-Za-z_])/.test(rest)) return { source: '(?', next: i + 2 };
  if (rest.startsWith('>'))
    return { source: '', next: i, error: 'atomic groups are not supported' };
  if (rest.startsWith('(')) return { source: '', next: i, error: 'conditionals are not supported' };
  if (rest.startsWith('|')) return { source: '', next: i, error: 'branch reset is not supported' };
  if (/^(?:R|[+-]?\d|&|P>)/.test(rest)) {
    return { source: '', next: i, error: 'recursion is not supported' };
  }
  return { source: '', next: i, error: 'inline flags are only supported at the start' };
}
