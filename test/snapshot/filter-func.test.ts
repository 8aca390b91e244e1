import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilter, type FilterFn } from '../../src/snapshot/filter-func.js';
import type { RequestVars } from '../../src/router/types.js';

const vars = (map: Record<string, string>): RequestVars => ({ get: (name) => map[name] });

function compiled(src: string): FilterFn {
  const fn = compileFilter(src);
  assert.equal(typeof fn, 'function', String(fn));
  return fn as FilterFn;
}

void test('a filter reads variables by property and its truthy result decides the match', () => {
  const fn = compiled('function(vars) { return vars.arg_name === "json" && vars.uri; }');
  assert.equal(fn(vars({ arg_name: 'json', uri: '/a' })), true);
  assert.equal(fn(vars({ arg_name: 'xml', uri: '/a' })), false);
  assert.equal(fn(vars({ arg_name: 'json' })), false);
});

void test('a missing variable reads as undefined and `in` tells whether it is set', () => {
  const fn = compiled(
    'function(vars) { return vars.http_x_v === undefined && !("http_x_v" in vars); }',
  );
  assert.equal(fn(vars({})), true);
  assert.equal(fn(vars({ http_x_v: '1' })), false);
});

void test('a filter sees no process, require or gateway module, only its own globals', () => {
  const fn = compiled(
    'function(vars) { return typeof process === "undefined" && typeof require === "undefined" && typeof globalThis.Buffer === "undefined"; }',
  );
  assert.equal(fn(vars({})), true);
});

void test('a filter cannot generate code from strings (eval, Function) in its context', () => {
  const fn = compiled('function(vars) { return eval("1 + 1") === 2; }');
  assert.throws(() => fn(vars({})), /Code generation from strings disallowed/);
  const viaCtor = compiled('function(vars) { return (function(){}).constructor("return 1")(); }');
  assert.throws(() => viaCtor(vars({})), /Code generation from strings disallowed/);
});

void test('the vars view leads nowhere: no prototype, no constructor, no keys, not writable', () => {
  const fn = compiled(`function(vars) {
    "use strict";
    const reached = [
      Object.getPrototypeOf(vars),
      vars.constructor,
      vars.__proto__,
      Object.keys(vars).length,
    ];
    let wrote = true;
    try { vars.uri = "/x"; } catch (e) { wrote = false; }
    return reached[0] === null && reached[1] === undefined && reached[2] === undefined &&
      reached[3] === 0 && !wrote && vars.uri === "/a";
  }`);
  assert.equal(fn(vars({ uri: '/a' })), true);
});

void test('a vars source that throws reads as undefined instead of handing an error over', () => {
  const throwing: RequestVars = {
    get: () => {
      throw new Error('inside');
    },
  };
  const fn = compiled('function(vars) { return vars.uri === undefined; }');
  assert.equal(fn(throwing), true);
});

void test('a filter that throws throws to the router (which logs it and does not match)', () => {
  const fn = compiled('function(vars) { throw new Error("boom"); }');
  assert.throws(() => fn(vars({})), /boom/);
});

void test('source that is not a function, or does not parse, is an error text', () => {
  assert.match(String(compileFilter('function(vars) { return ; ')), /^failed to load filter_func/);
  assert.equal(compileFilter('1 + 1'), 'failed to load filter_func: not a function');
});

void test('an endless loop in the source text at load time is cut off', () => {
  const r = compileFilter('function(){}, (() => { for (;;) {} })()');
  assert.match(String(r), /^failed to load filter_func: Script execution timed out/);
});
