import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-durability-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const writer = new URL('./fixtures/durable-writer.js', import.meta.url).pathname;

interface Ack {
  revision: number;
  key: string;
  value: string;
}

/** Runs the writer until it has acknowledged `count` writes, then SIGKILLs it mid-stream. */
function writeThenKill(file: string, count: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (acks.length + buffered.split('\n').length - 1 >= count) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // Lines that reached the pipe before the kill are acknowledged writes too.
      for (const line of buffered.split('\n')) {
        const match = /^(\d+) (\S+) (.*)$/.exec(line);
        if (match)
          acks.push({ revision: Number(match[1]), key: match[2] ?? '', value: match[3] ?? '' });
      }
      if (signal !== 'SIGKILL') reject(new Error(`writer exited ${code}: ${stderr}`));
      else resolve(acks);
    });
  });
}

function integrityCheck(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

void test('every acknowledged write survives a SIGKILL of the writer, and the store keeps working', async () => {
  const file = join(dir, 'store.db');
  const first = await writeThenKill(file, 300);
  assert.equal(integrityCheck(file), 'ok');
  const second = await writeThenKill(file, 300); // a writer reopening a killed store continues
  assert.equal(integrityCheck(file), 'ok');
  const acks = [...first, ...second];
  assert.ok(acks.length >= 600, `only ${acks.length} acknowledged writes`);
  const lastOfFirst = first[first.length - 1]?.revision ?? 0;
  assert.ok((second[0]?.revision ?? 0) > lastOfFirst, 'the second writer continued the revision');

  const store = EmbeddedStore.open({ file });
  try {
    for (const ack of acks) {
      const kv = await store.get(ack.key);
      assert.equal(kv?.value, ack.value, `acknowledged ${ack.key} at revision ${ack.revision}`);
      assert.equal(kv?.modRevision, ack.revision);
    }
    // Every revision after 1 is one put of a distinct key: the kv table and the revision agree.
    const { items, revision } = await store.range('/durable/');
    assert.equal(items.length, revision - 1);
    assert.ok(revision >= (acks[acks.length - 1]?.revision ?? 0));
    assert.equal((await store.put('/after/crash', '1')).revision, revision + 1);
  } finally {
    await store.close();
  }
});
