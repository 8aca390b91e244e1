import { badRequest } from './errors.js';

/** The longest write-and-wait a client may ask for. */
const MAX_WAIT_SECONDS = 60;

/** What a write-and-wait came to, sent as `X-Gatehouse-Wait`. */
export type WaitOutcome = 'applied' | 'timeout' | 'no-workers';

/**
 * `?wait_applied=<seconds>` (Gatehouse's own): the seconds a write may wait until every local
 * worker has applied the revision it produced; undefined when the request does not ask. Checked
 * before the write, so a bad value never leaves a write behind a 400.
 */
export function waitAppliedSeconds(query: URLSearchParams): number | undefined {
  const raw = query.get('wait_applied');
  if (raw === null) return undefined;
  const seconds = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_WAIT_SECONDS) {
    throw badRequest(
      `invalid argument wait_applied: should be a number of seconds, above 0 and at most ${MAX_WAIT_SECONDS}`,
    );
  }
  return seconds;
}

/** Waits for `revision` when the request asked to and the write produced one. */
export async function awaitApplied(
  revision: number,
  seconds: number,
  waitForRevision: ((revision: number, timeoutMs: number) => Promise<boolean>) | undefined,
): Promise<WaitOutcome> {
  if (waitForRevision === undefined) return 'no-workers';
  return (await waitForRevision(revision, seconds * 1000)) ? 'applied' : 'timeout';
}
