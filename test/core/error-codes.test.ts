import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { GatehouseError } from '../../src/core/errors.js';

const docsFile = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));

/** Rows of the table in docs/errors.md: `| GH_ERR_X | 400 | text |`. */
async function documentedCodes(): Promise<Map<string, number>> {
  const text = await readFile(docsFile, 'utf8');
  const rows = new Map<string, number>();
  for (const match of text.matchAll(/^\|\s*`(GH_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
}

void test('docs/errors.md lists exactly the error codes the code defines, with the same statuses', async () => {
  const documented = await documentedCodes();
  const defined = new Map(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]));
  assert.deepEqual([...documented.entries()].sort(), [...defined.entries()].sort());
});

void test('a GatehouseError carries its code and the status of the catalogue unless overridden', () => {
  const plain = new GatehouseError('GH_ERR_ADMIN_NOT_FOUND', 'gone');
  assert.equal(plain.status, 404);
  assert.equal(plain.code, 'GH_ERR_ADMIN_NOT_FOUND');
  const overridden = new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', 'x', { status: 413 });
  assert.equal(overridden.status, 413);
});
