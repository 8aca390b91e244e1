import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCaptureTemplate, compileTemplate } from '../../../src/plugins/lib/template.js';
import { compileSubstitution } from '../../../src/plugins/lib/regex-sub.js';
import { escapeControlChars, uriSafeEncode } from '../../../src/plugins/lib/uri-encode.js';

const vars: Record<string, string> = { uri: '/users', arg_name: 'jo', 'a.b': 'dotted', e: '' };
const src = { var: (name: string) => vars[name] };

void describe('resolve_var templates', () => {
  const cases: Array<{ desc: string; tpl: string; want: string }> = [
    { desc: 'text without variables is kept', tpl: '/plain/path', want: '/plain/path' },
    { desc: '$name', tpl: '/v2$uri', want: '/v2/users' },
    { desc: '${name}', tpl: '${uri}/x', want: '/users/x' },
    { desc: 'spaces inside braces', tpl: '${ arg_name }!', want: 'jo!' },
    { desc: 'a missing variable is empty', tpl: 'a$nope-b', want: 'a-b' },
    { desc: 'default for a missing variable', tpl: '${nope ?? anon}', want: 'anon' },
    { desc: 'default unused when present', tpl: '${arg_name??anon}', want: 'jo' },
    { desc: 'an empty value is not missing', tpl: '[${e ?? d}]', want: '[]' },
    { desc: 'dots belong to the name', tpl: '$a.b', want: 'dotted' },
    { desc: 'backslash keeps $ and itself', tpl: '\\$uri$uri', want: '\\$uri/users' },
    { desc: 'a lone $ stays', tpl: 'cost: $ 5', want: 'cost: $ 5' },
    { desc: '$1 is a variable named 1 (empty)', tpl: 'x$1-y', want: 'x-y' },
  ];
  for (const c of cases) {
    void test(c.desc, () => assert.equal(compileTemplate(c.tpl)(src), c.want));
  }

  void test('the escaper applies to resolved values only', () => {
    const t = compileTemplate('/q?$arg_q', (v) => v.replace('?', '%3F'));
    assert.equal(t({ var: () => 'a?b?c' }), '/q?a%3Fb?c');
  });
});

void describe('templates with regex captures', () => {
  const captures = ['/api/v1', 'v1', undefined];
  void test('resolves $N and ${N} from the captures, then variables', () => {
    const t = compileCaptureTemplate('$1-${1}-$uri');
    assert.equal(t(src, captures), 'v1-v1-/users');
  });
  void test('a group that did not match, or is missing, is empty', () => {
    assert.equal(compileCaptureTemplate('[$2][$9]')(src, captures), '[][]');
    assert.equal(compileCaptureTemplate('[$1]')(src, undefined), '[]');
  });
  void test('a captured $ is not read again as a variable', () => {
    assert.equal(compileCaptureTemplate('$1')(src, ['', '$uri']), '$uri');
  });
});

void describe('ngx.re.sub replacement', () => {
  const sub = (p: string, r: string) => {
    const s = compileSubstitution(p, r);
    assert.notEqual(typeof s, 'string', typeof s === 'string' ? s : '');
    return s as Exclude<typeof s, string>;
  };
  void test('substitutes the first match with captures', () => {
    assert.equal(sub('^/api/(.*)/(.*)', '/$2/${1}').once('/api/a/b'), '/b/a');
  });
  void test('no match gives undefined', () => {
    assert.equal(sub('^/x', '/y').once('/a'), undefined);
  });
  void test('$$ is a dollar, $0 the whole match', () => {
    assert.equal(sub('b+', '[$0$$]').once('abbc'), 'a[bb$]c');
  });
  void test('a capture number followed by text', () => {
    assert.equal(sub('(a)', '$1x').once('a'), 'ax');
  });
  void test('every match in global mode, empty matches included', () => {
    assert.equal(sub('o', '0').all('foo boo'), 'f00 b00');
    assert.equal(sub('x*', '-').all('ab'), '-a-b-');
  });
  void test('refuses what nginx refuses in a replacement', () => {
    for (const bad of ['$name', 'end$', '${1', '${}', '$-']) {
      assert.equal(
        compileSubstitution('a', bad),
        'failed to compile the replacement template',
        bad,
      );
    }
  });
  void test('refuses a regex that does not compile', () => {
    assert.equal(typeof compileSubstitution('(', '/'), 'string');
  });
});

void describe('uri encoding', () => {
  void test('escapes what NGX_ESCAPE_URI escapes', () => {
    assert.equal(uriSafeEncode('/a b#c%d?e'), '/a%20b%23c%25d%3Fe');
    assert.equal(uriSafeEncode('/é'), '/%C3%A9');
    assert.equal(uriSafeEncode('/a-b_c.d~e/f:g@h&i=j'), '/a-b_c.d~e/f:g@h&i=j');
  });
  void test('control characters only, for a query', () => {
    assert.equal(escapeControlChars('?a=1\r\n&b= 2'), '?a=1%0D%0A&b= 2');
  });
});
