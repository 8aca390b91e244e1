/**
 * The JSONPath syntax check APISIX runs on every `post_arg.<path>` left operand of a route's
 * `vars` (apisix/admin/routes.lua, lua-jsonpath `parse` of `$.<path>`). Goessner's syntax:
 * `.name`, `.*`, `..name`, `[0]`, `['a']`, `[1,2]`, `[0:2]`, `[*]`, `[?(…)]`, `[(…)]`; filter and
 * script bodies are only checked for balanced parentheses.
 *
 * @example
 *   postArgPathError([['post_arg.messages[*].type', 'has', 'x']]); // undefined
 *   postArgPathError([['post_arg.a[.b', '==', 1]]); // 'invalid expression "$.a[.b" near "[.b"'
 */
export function postArgPathError(vars: unknown): string | undefined {
  if (!Array.isArray(vars)) return undefined;
  const [left] = vars as unknown[];
  if (vars.length >= 3 && typeof left === 'string' && left.startsWith('post_arg.')) {
    return jsonPathError(`$.${left.slice('post_arg.'.length)}`);
  }
  for (const child of vars) {
    const err = postArgPathError(child);
    if (err !== undefined) return err;
  }
  return undefined;
}

function jsonPathError(expr: string): string | undefined {
  let pos = 1; // after '$'
  while (pos < expr.length) {
    const next = segmentEnd(expr, pos);
    if (next === undefined) {
      return `invalid expression "${expr}" near "${expr.slice(pos)}"`;
    }
    pos = next;
  }
  return undefined;
}

const MEMBER = /^[^.[\]()'",*\s]+/;

/** Where the segment starting at `pos` ends, or undefined when it is not a valid segment. */
function segmentEnd(expr: string, pos: number): number | undefined {
  if (expr.startsWith('..', pos)) {
    const after = pos + 2;
    return expr[after] === '[' ? bracketEnd(expr, after) : memberEnd(expr, after);
  }
  if (expr[pos] === '.') return memberEnd(expr, pos + 1);
  if (expr[pos] === '[') return bracketEnd(expr, pos);
  return undefined;
}

function memberEnd(expr: string, pos: number): number | undefined {
  if (expr[pos] === '*') return pos + 1;
  const m = MEMBER.exec(expr.slice(pos));
  return m === null ? undefined : pos + m[0].length;
}

const BRACKET_ITEM =
  /^\s*(?:-?\d*\s*:\s*-?\d*(?:\s*:\s*-?\d*)?|-?\d+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[A-Za-z_$][\w$-]*)\s*/;

function bracketEnd(expr: string, pos: number): number | undefined {
  const inner = pos + 1;
  if (expr.startsWith('*]', inner)) return inner + 2;
  if (expr.startsWith('?(', inner)) return scriptEnd(expr, inner + 1);
  if (expr[inner] === '(') return scriptEnd(expr, inner);
  let at = inner;
  for (;;) {
    const m = BRACKET_ITEM.exec(expr.slice(at));
    if (m === null || m[0].trim() === '') return undefined;
    at += m[0].length;
    if (expr[at] === ']') return at + 1;
    if (expr[at] !== ',') return undefined;
    at++;
  }
}

/** `(…)]` with balanced parentheses (quotes respected), ending at the closing bracket. */
function scriptEnd(expr: string, open: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < expr.length; i++) {
    const ch = expr[i];
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return expr[i + 1] === ']' ? i + 2 : undefined;
  }
  return undefined;
}
