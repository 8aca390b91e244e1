import { describe, test } from 'node:test';
import { runCheck, type CheckCase } from './helpers.js';

const BOB = { username: 'bob', plugins: { 'key-auth': { key: 'bob-key' } } };
const ALEX_CRED = { id: 'c1', plugins: { 'key-auth': { key: 'alex-key' } } };

const consumerCases: CheckCase[] = [
  {
    desc: 'accepts a consumer with an auth plugin',
    id: 'jack',
    value: { username: 'jack', plugins: { 'key-auth': { key: 'k' } } },
  },
  {
    desc: 'rejects a consumer without username',
    value: { desc: 'x' },
    error: 'invalid configuration: property "username" is required',
  },
  {
    desc: 'rejects a username with bad characters',
    id: 'a b',
    value: { username: 'a b' },
    error:
      'invalid configuration: property "username" validation failed: failed to match pattern "^[a-zA-Z0-9_\\\\-]+$" with "a b"',
  },
  {
    desc: 'checks consumer plugins against their consumer schema',
    id: 'jack',
    value: { username: 'jack', plugins: { 'key-auth': {} } },
    error:
      'invalid plugins configuration: failed to check the configuration of plugin key-auth err: property "key" is required',
  },
  {
    desc: 'rejects a key-auth key another consumer has',
    id: 'jack',
    value: { username: 'jack', plugins: { 'key-auth': { key: 'bob-key' } } },
    store: { 'consumers/bob': BOB },
    error: 'duplicate key of plugin key-auth found with consumer: bob',
  },
  {
    desc: 'rejects a key-auth key a credential of another consumer has',
    id: 'jack',
    value: { username: 'jack', plugins: { 'key-auth': { key: 'alex-key' } } },
    store: { 'consumers/alex': { username: 'alex' }, 'consumers/alex/credentials/c1': ALEX_CRED },
    error: 'duplicate key of plugin key-auth found with credential: c1 of consumer: alex',
  },
  {
    desc: 'accepts a consumer re-using its own key',
    id: 'bob',
    value: BOB,
    store: { 'consumers/bob': BOB },
  },
  {
    desc: 'ignores secret references in the duplicate check',
    id: 'jack',
    value: { username: 'jack', plugins: { 'key-auth': { key: '$secret://vault/1/k' } } },
    store: {
      'consumers/bob': { username: 'bob', plugins: { 'key-auth': { key: '$secret://vault/1/k' } } },
    },
  },
  {
    desc: 'rejects a group_id that does not exist',
    id: 'jack',
    value: { username: 'jack', group_id: 'g1' },
    error: 'failed to fetch consumer group info by consumer group id [g1], response code: 404',
  },
  {
    desc: 'accepts a group_id that exists',
    id: 'jack',
    value: { username: 'jack', group_id: 'g1' },
    store: { 'consumer_groups/g1': { id: 'g1', plugins: {} } },
  },
];

const credentialCases: CheckCase[] = [
  {
    desc: 'accepts a credential with one auth plugin',
    id: 'c2',
    consumerName: 'jack',
    value: { plugins: { 'basic-auth': { username: 'u', password: 'p' } } },
  },
  {
    desc: 'rejects a credential with two plugins',
    value: {
      plugins: { 'key-auth': { key: 'a' }, 'basic-auth': { username: 'u', password: 'p' } },
    },
    error:
      'invalid configuration: property "plugins" validation failed: expect object to have at most 1 properties',
  },
  {
    desc: 'rejects a credential with a non-auth plugin',
    value: { plugins: { 'limit-count': { count: 1, time_window: 1 } } },
    error: 'only supports auth type plugins in consumer credential',
  },
  {
    desc: 'rejects a credential key another consumer has',
    id: 'c2',
    consumerName: 'jack',
    value: { plugins: { 'key-auth': { key: 'bob-key' } } },
    store: { 'consumers/bob': BOB },
    error: 'duplicate key of plugin key-auth found with consumer: bob',
  },
  {
    desc: 'rejects a credential key another credential has',
    id: 'c2',
    consumerName: 'jack',
    value: { plugins: { 'key-auth': { key: 'alex-key' } } },
    store: { 'consumers/alex/credentials/c1': ALEX_CRED },
    error: 'duplicate key of plugin key-auth found with credential: c1 of consumer: alex',
  },
  {
    desc: 'accepts a credential rewriting its own key (full key-suffix id)',
    id: 'alex/credentials/c1',
    value: ALEX_CRED,
    store: { 'consumers/alex/credentials/c1': ALEX_CRED },
  },
  {
    desc: "rejects a credential whose key is its own consumer's other credential",
    id: 'c9',
    consumerName: 'alex',
    value: ALEX_CRED,
    store: { 'consumers/alex/credentials/c1': ALEX_CRED },
    error: 'duplicate key of plugin key-auth found with credential: c1 of consumer: alex',
  },
];

void describe('consumers check', () => {
  for (const c of consumerCases) void test(c.desc, () => runCheck('consumers', c));
});

void describe('credentials check', () => {
  for (const c of credentialCases) void test(c.desc, () => runCheck('credentials', c));
});
