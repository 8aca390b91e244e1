import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { writeFileAtomic } from './atomic-write.js';
import type { GatewayConfig } from './types.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATH = ['deployment', 'admin', 'admin_key'] as const;

/** A random 32-letter admin key (APISIX's shape), from the CSPRNG without modulo bias. */
export function generateAdminKey(length = 32): string {
  let key = '';
  for (let i = 0; i < length; i++) key += LETTERS[randomInt(LETTERS.length)];
  return key;
}

/** Whether the configuration serves an Admin API that would accept writes. */
export function hasAdminApi(config: GatewayConfig): boolean {
  return (
    config.apisix.enable_admin &&
    config.deployment.role !== 'data_plane' &&
    config.deployment.config_provider !== 'yaml'
  );
}

/**
 * Whether start-up must generate a key: an Admin API that requires a key but has no admin-role
 * entry with a non-empty key. Gatehouse never ships a well-known key (DESIGN.md "Beyond APISIX" 5).
 */
export function needsAdminKey(config: GatewayConfig): boolean {
  const { admin } = config.deployment;
  return (
    hasAdminApi(config) &&
    admin.admin_key_required &&
    !admin.admin_key.some((k) => k.role === 'admin' && k.key !== '')
  );
}

function readDocument(file: string): Document {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Document({});
    throw err;
  }
  const doc: Document = parseDocument(text);
  // A file of only comments has no contents; keep its comments and add a mapping.
  if (doc.contents === null) doc.contents = doc.createNode({});
  return doc;
}

/** Index of the first admin-role entry whose key is empty, or -1. */
function emptyAdminEntry(doc: Document): number {
  const seq = doc.getIn(KEY_PATH, true);
  if (!isSeq(seq)) return -1;
  return seq.items.findIndex((item) => {
    if (!isMap(item)) return false;
    const role = item.get('role');
    const key = item.get('key', true);
    const keyEmpty = key === undefined || (isScalar(key) && (key.value ?? '') === '');
    return (role === undefined || role === 'admin') && keyEmpty;
  });
}

/**
 * Puts `key` into config.yaml's `deployment.admin.admin_key`, creating the file if needed.
 * The file is edited as a YAML document, so the user's comments and layout survive; only that
 * one key changes. Written atomically with mode 0600 (it now holds a secret).
 */
export function writeAdminKey(file: string, key: string): void {
  const doc = readDocument(file);
  const index = emptyAdminEntry(doc);
  if (index >= 0) {
    doc.setIn([...KEY_PATH, index, 'key'], key);
  } else if (isSeq(doc.getIn(KEY_PATH, true))) {
    doc.addIn(KEY_PATH, doc.createNode({ name: 'admin', key, role: 'admin' }));
  } else {
    doc.setIn(KEY_PATH, doc.createNode([{ name: 'admin', key, role: 'admin' }]));
  }
  writeFileAtomic(file, doc.toString());
}
