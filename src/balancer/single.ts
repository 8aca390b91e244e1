import type { Picker, UpstreamNode } from './types.js';

/**
 * The picker of a one-node upstream whose type is not least_conn. APISIX uses that node directly
 * (apisix/balancer.lua): no weight check and no `tried` exclusion, so a retry goes to the same
 * node again. Gatehouse keeps that behaviour: a one-node upstream behind a DNS name or a load
 * balancer is worth a second try.
 */
export function createSingle(node: UpstreamNode): Picker {
  return { pick: () => node };
}
