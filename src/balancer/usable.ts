import type { UpstreamNode } from './types.js';

/**
 * The nodes a picker may ever return: weight 0 means "configured but never picked" (spec §5.2),
 * so every algorithm drops those once, at build time, instead of testing weights per pick.
 */
export function usableNodes(nodes: readonly UpstreamNode[]): UpstreamNode[] {
  return nodes.filter((n) => n.weight > 0);
}
