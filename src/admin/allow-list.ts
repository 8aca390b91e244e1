import { BlockList, isIP } from 'node:net';
import { GatehouseError } from '../core/errors.js';

const MAX_ANSWERS = 256;

/**
 * `deployment.admin.allow_admin`: the client addresses the Admin API answers (APISIX renders
 * it as nginx `allow ...; deny all;`). An empty list allows everyone.
 */
export class AllowList {
  readonly #list: BlockList | undefined;
  /**
   * Answers by client address: an admin client sends from a handful of addresses, and a
   * BlockList check builds a SocketAddress each time. Bounded, so a scan from many addresses
   * cannot grow it.
   */
  readonly #answers = new Map<string, boolean>();

  constructor(cidrs: readonly string[]) {
    if (cidrs.length === 0) return;
    const list = new BlockList();
    for (const entry of cidrs) addEntry(list, entry);
    this.#list = list;
  }

  allows(address: string | undefined): boolean {
    if (this.#list === undefined) return true;
    if (address === undefined) return false;
    let answer = this.#answers.get(address);
    if (answer === undefined) {
      answer = allowed(this.#list, address);
      if (this.#answers.size >= MAX_ANSWERS) this.#answers.clear();
      this.#answers.set(address, answer);
    }
    return answer;
  }

  /** Throws 403 when `address` is not allowed. */
  check(address: string | undefined): void {
    if (this.allows(address)) return;
    throw new GatehouseError('GH_ERR_ADMIN_FORBIDDEN', 'client address is not allowed', {
      body: { error_msg: 'access to the Admin API is not allowed from this address' },
    });
  }
}

function addEntry(list: BlockList, entry: string): void {
  const [ip = '', bits] = entry.trim().split('/');
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(ip) === 0) {
    throw new GatehouseError('GH_ERR_CONFIG_INVALID', `allow_admin: invalid address '${entry}'`);
  }
  if (bits === undefined) list.addAddress(ip, family);
  else list.addSubnet(ip, Number(bits), family);
}

function allowed(list: BlockList, address: string): boolean {
  // Sockets on a dual-stack listener report IPv4 clients as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return list.check(mapped[1], 'ipv4');
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
