import { createContext, Script } from 'node:vm';

/** The longest one list request may spend in a `name=` / `uri=` search. */
export const SEARCH_BUDGET_MS = 500;

// One realm for every search: a vm script's timeout is the only way to stop a regex that
// backtracks catastrophically (`^(a+)+$` on a long name), which would otherwise block the
// event loop of the process that serves the Admin API.
const realm = createContext({});
const searchEach = new Script(
  '(() => { const hits = []; for (let i = 0; i < texts.length; i++) if (re.test(texts[i])) hits.push(i); return hits; })()',
);

/**
 * The indexes of `texts` in which `re` finds a match, or undefined when the search ran over
 * SEARCH_BUDGET_MS. `re` must not be global or sticky (`test` would keep state).
 *
 * @example
 *   regexSearch(/^r/, ['route', 'other']); // [0]
 */
export function regexSearch(re: RegExp, texts: readonly string[]): number[] | undefined {
  const globals = realm as { re?: RegExp; texts?: readonly string[] };
  globals.re = re;
  globals.texts = texts;
  try {
    return [...(searchEach.runInContext(realm, { timeout: SEARCH_BUDGET_MS }) as number[])];
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return undefined;
    throw err;
  } finally {
    delete globals.re;
    delete globals.texts;
  }
}
