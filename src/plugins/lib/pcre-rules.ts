import { toJsRegExp } from '../../core/expr/pcre.js';

/**
 * Lists of PCRE rules in plugin confs (uri-blocker `block_rules`, ua-restriction lists, cors
 * `*_by_regex`): each rule is checked on its own when the conf is written, with APISIX's
 * `pcre_compile() failed: <reason> in "<rule>"` wording, and the list is compiled once in
 * `prepare` into one test "does any rule match somewhere in the text".
 */

// JavaScript's wording of the usual mistakes, in PCRE's words (what APISIX users see).
const PCRE_REASONS: Record<string, string> = {
  'Unterminated group': 'missing )',
  "Unmatched ')'": 'unmatched parentheses',
  'Nothing to repeat': 'nothing to repeat',
  'Unterminated character class': 'missing terminating ] for character class',
  'Range out of order in character class': 'range out of order in character class',
  'Invalid group': 'unrecognized character after (? or (?-',
};

/** The error of the first rule that does not compile, or undefined. */
export function checkPcreRules(rules: readonly string[] | undefined): string | undefined {
  for (const rule of rules ?? []) {
    const re = toJsRegExp(rule, false);
    if (typeof re === 'string') {
      const jsReason = re.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      return `pcre_compile() failed: ${PCRE_REASONS[jsReason] ?? jsReason} in "${rule}"`;
    }
  }
  return undefined;
}

/**
 * One test for a list of rules `checkPcreRules` accepted: the rules joined with `|` as APISIX
 * joins them (one scan of the text), or, when the joined form does not translate (a rule with
 * its own leading `(?i)`), each rule in turn.
 *
 * @example
 *   const blocked = compileAnyRule(['^/admin', '\\.php$'], false);
 *   blocked('/x/index.php'); // true
 */
export function compileAnyRule(
  rules: readonly string[],
  caseless: boolean,
): (text: string) => boolean {
  const joined = toJsRegExp(rules.join('|'), caseless);
  if (typeof joined !== 'string') return (text) => joined.test(text);
  const each = rules.map((rule) => {
    const re = toJsRegExp(rule, caseless);
    if (typeof re === 'string') throw new Error(`rule ${rule} does not compile: ${re}`);
    return re;
  });
  return (text) => each.some((re) => re.test(text));
}
