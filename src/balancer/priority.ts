import { GatehouseError } from '../core/errors.js';
import { createChash } from './chash.js';
import { createEwma, type EwmaOptions } from './ewma.js';
import { createLeastConn } from './least-conn.js';
import { createRoundRobin } from './roundrobin.js';
import { createSingle } from './single.js';
import type { PickContext, Picker, TryOutcome, UpstreamNode } from './types.js';

export type PickerOptions = EwmaOptions;

type Factory = (nodes: readonly UpstreamNode[], opts: PickerOptions) => Picker;

const FACTORIES: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  ['roundrobin', (nodes) => createRoundRobin(nodes)],
  ['chash', (nodes) => createChash(nodes)],
  ['least_conn', (nodes) => createLeastConn(nodes)],
  ['ewma', (nodes, opts) => createEwma(nodes, opts)],
]);

/** The balancer types Gatehouse knows (the upstream schema accepts any string). */
export const PICKER_TYPES: readonly string[] = [...FACTORIES.keys()];

/**
 * The picker of one upstream version (spec §5.2): a single node is used directly unless the
 * type is least_conn (whose counts must see every connection); several priority levels get a
 * priority wrapper; an unknown type throws GH_ERR_BALANCER_UNKNOWN_TYPE, which the data plane
 * reports as APISIX does (the request fails with 502, the rest of the config keeps working).
 *
 * @example createPicker(upstream.type ?? 'roundrobin', nodes).pick({ tried })
 */
export function createPicker(
  type: string,
  nodes: readonly UpstreamNode[],
  opts: PickerOptions = {},
): Picker {
  const factory = FACTORIES.get(type);
  if (factory === undefined) {
    throw new GatehouseError('GH_ERR_BALANCER_UNKNOWN_TYPE', `unknown balancer type "${type}"`);
  }
  const only = nodes.length === 1 ? nodes[0] : undefined;
  if (only !== undefined && type !== 'least_conn') return createSingle(only);
  const groups = groupByPriority(nodes);
  if (groups.length <= 1) return factory(nodes, opts);
  return new PriorityPicker(
    groups.map((group) => factory(group, opts)),
    groups,
  );
}

/** Nodes grouped by priority, highest first. */
function groupByPriority(nodes: readonly UpstreamNode[]): UpstreamNode[][] {
  const byPriority = new Map<number, UpstreamNode[]>();
  for (const node of nodes) {
    const group = byPriority.get(node.priority);
    if (group === undefined) byPriority.set(node.priority, [node]);
    else group.push(node);
  }
  return [...byPriority.entries()].sort(([a], [b]) => b - a).map(([, group]) => group);
}

/**
 * Tries the highest priority group first and moves to the next one only when the current group
 * has no untried node left (apisix/balancer/priority.lua). Each group has its own picker, so
 * balancing state never mixes across levels.
 */
class PriorityPicker implements Picker {
  readonly #pickers: Picker[];
  readonly #owner = new Map<string, Picker>();

  constructor(pickers: Picker[], groups: UpstreamNode[][]) {
    this.#pickers = pickers;
    groups.forEach((group, i) => {
      for (const node of group) this.#owner.set(node.key, pickers[i]!);
    });
  }

  pick(ctx: PickContext): UpstreamNode | undefined {
    for (const picker of this.#pickers) {
      const node = picker.pick(ctx);
      if (node !== undefined) return node;
    }
    return undefined;
  }

  done(node: UpstreamNode, outcome: TryOutcome): void {
    this.#owner.get(node.key)?.done?.(node, outcome);
  }
}
