import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  argumentsFromJson,
  camelCase,
  fromJson,
  jsonSchemaOf,
  parametersSchema,
  resultSchema,
  toJson,
  ValueError,
} from './json.js';
import type { WitFunction, WitType } from './wit-types.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
const t = (kind: string, extra: object = {}) => ({ kind, ...extra }) as WitType;
const point: WitType = {
  name: 'point',
  kind: 'record',
  fields: [
    { name: 'x', type: t('s32') },
    { name: 'y-pos', type: t('s32') },
    { name: 'label', type: t('option', { type: t('string') }) },
  ],
};
const shape: WitType = {
  kind: 'variant',
  cases: [{ name: 'circle', type: t('f64') }, { name: 'rect', type: point }, { name: 'none' }],
};
const perms: WitType = { kind: 'flags', names: ['read', 'write-all'] };

/** Every type, a JSON value of it, and the bindings' value it converts to. */
const ROUND_TRIPS: Array<[string, WitType, unknown, unknown]> = [
  ['bool', t('bool'), true, true],
  ['u8', t('u8'), 255, 255],
  ['s8', t('s8'), -128, -128],
  ['u16', t('u16'), 65_535, 65_535],
  ['s16', t('s16'), -32_768, -32_768],
  ['u32', t('u32'), 4_294_967_295, 4_294_967_295],
  ['s32', t('s32'), -2_147_483_648, -2_147_483_648],
  ['u64 small', t('u64'), 42, 42n],
  ['u64 max', t('u64'), '18446744073709551615', 18_446_744_073_709_551_615n],
  ['s64 min', t('s64'), '-9223372036854775808', -9_223_372_036_854_775_808n],
  ['f32', t('f32'), 1.5, 1.5],
  ['f64', t('f64'), -0.25, -0.25],
  ['char', t('char'), '😀', '😀'],
  ['string', t('string'), 'héllo', 'héllo'],
  ['list<u32>', t('list', { element: t('u32') }), [1, 2], Uint32Array.of(1, 2)],
  ['list<string>', t('list', { element: t('string') }), ['a'], ['a']],
  ['list<u8, 2>', t('list', { element: t('u8'), length: 2 }), [1, 2], Uint8Array.of(1, 2)],
  [
    'tuple',
    t('tuple', { types: [t('string'), t('u32'), t('bool')] }),
    ['s', 1, false],
    ['s', 1, false],
  ],
  ['record', point, { x: 1, 'y-pos': 2, label: 'home' }, { x: 1, yPos: 2, label: 'home' }],
  ['variant with payload', shape, { tag: 'circle', val: 2 }, { tag: 'circle', val: 2 }],
  ['variant without', shape, { tag: 'none' }, { tag: 'none' }],
  ['enum', t('enum', { names: ['red', 'green'] }), 'green', 'green'],
  ['flags', perms, ['write-all'], { read: false, writeAll: true }],
  ['option some', t('option', { type: t('string') }), 'x', 'x'],
  ['option none', t('option', { type: t('string') }), null, undefined],
  [
    'option<option> some(none)',
    t('option', { type: t('option', { type: t('u8') }) }),
    { some: null },
    { tag: 'some', val: undefined },
  ],
  [
    'option<option> none',
    t('option', { type: t('option', { type: t('u8') }) }),
    null,
    { tag: 'none' },
  ],
  ['result ok', t('result', { ok: t('u32'), err: t('string') }), { ok: 5 }, { tag: 'ok', val: 5 }],
  [
    'result err',
    t('result', { ok: t('u32'), err: t('string') }),
    { err: 'no' },
    { tag: 'err', val: 'no' },
  ],
  ['result<_, E> ok', t('result', { err: t('string') }), { ok: null }, { tag: 'ok' }],
];

describe('WIT values as JSON', () => {
  for (const [what, type, json, value] of ROUND_TRIPS) {
    it(`${what}: schema accepts the JSON, converts both ways`, () => {
      const validate = ajv.compile(jsonSchemaOf(type));
      assert.ok(validate(json), `${JSON.stringify(json)}: ${ajv.errorsText(validate.errors)}`);
      assert.deepEqual(fromJson(type, json, 'v'), value);
      // Back to JSON: the same value, in its canonical form.
      const back = toJson(type, value);
      assert.deepEqual(back, type.kind === 'record' && json ? { ...json, label: 'home' } : json);
      assert.ok(ajv.compile(jsonSchemaOf(type, 'output'))(back));
    });
  }

  it('leaves out record fields that are options, and gives them back as null', () => {
    assert.deepEqual(fromJson(point, { x: 1, 'y-pos': 2 }, 'p'), {
      x: 1,
      yPos: 2,
      label: undefined,
    });
    assert.deepEqual(toJson(point, { x: 1, yPos: 2 }), { x: 1, 'y-pos': 2, label: null });
    assert.deepEqual(jsonSchemaOf(point).required, ['x', 'y-pos']);
  });

  it('rejects values that do not fit, naming where and what was expected', () => {
    const bad: Array<[WitType, unknown, RegExp]> = [
      [t('u8'), 256, /^v: expected an integer from 0 to 255, got number 256$/],
      [t('u8'), -1, /from 0 to 255/],
      [t('s32'), 1.5, /got number 1.5/],
      [t('u32'), '7', /got the string "7"/],
      [t('bool'), 'true', /expected true or false/],
      [t('u64'), '18446744073709551616', /from 0 to 18446744073709551615/],
      [t('u64'), -1, /from 0/],
      [t('u64'), 2 ** 60, /past 2\^53 .* decimal string/],
      [t('s64'), '1e3', /decimal string/],
      [t('char'), 'ab', /exactly one Unicode character/],
      [t('char'), '', /exactly one Unicode character/],
      [t('char'), '\ud800', /exactly one Unicode character/],
      [t('string'), 'a\ud800b', /unpaired surrogate/],
      [t('list', { element: t('u8') }), [1, 300], /^v\[1\]: expected an integer from 0 to 255/],
      [t('list', { element: t('u8'), length: 2 }), [1], /exactly 2/],
      [t('tuple', { types: [t('bool')] }), [true, false], /an array of 1/],
      [point, { x: 1 }, /^v\.y-pos: missing \(s32\)$/],
      [point, { x: 1, 'y-pos': 2, z: 3 }, /^v: unexpected field "z"/],
      [point, { x: 1, 'y-pos': 'no' }, /^v\.y-pos: expected an integer/],
      [point, [], /expected an object \(point\)/],
      [shape, { tag: 'square' }, /^v\.tag: expected one of circle, rect, none/],
      [shape, { tag: 'circle' }, /^v\.val: missing \(f64\)$/],
      [shape, { tag: 'none', val: 1 }, /unexpected field "val"/],
      [shape, { tag: 'rect', val: { x: 1, 'y-pos': 2.5 } }, /^v\.val\.y-pos: /],
      [t('enum', { names: ['a'] }), 'b', /expected one of a, got the string "b"/],
      [perms, ['read', 'exec'], /^v\[1\]: expected one of read, write-all/],
      [perms, { read: true }, /expected an array of flag names/],
      [t('option', { type: t('option', { type: t('u8') }) }), 5, /null or \{ "some"/],
      [t('result', { ok: t('u8') }), { ok: 1, err: 2 }, /\{ "ok": … \} or \{ "err": … \}/],
      [t('result', { ok: t('u8') }), { err: 'x' }, /^v\.err: expected null/],
      [t('f64'), 'NaNs', /expected a number/],
    ];
    for (const [type, json, message] of bad) {
      assert.throws(
        () => fromJson(type, json, 'v'),
        (e: unknown) => e instanceof ValueError && message.test(e.message),
        `${JSON.stringify(json)} as ${JSON.stringify(type)}`,
      );
    }
  });

  it('the schemas reject what the conversion rejects, where JSON Schema can say it', () => {
    const cases: Array<[WitType, unknown]> = [
      [t('u8'), 256],
      [t('s16'), -32_769],
      [t('char'), 'ab'],
      [point, { x: 1 }],
      [point, { x: 1, 'y-pos': 2, z: 3 }],
      [shape, { tag: 'none', val: 1 }],
      [t('tuple', { types: [t('bool')] }), [true, false]],
      [perms, ['read', 'read']],
      [t('result', { ok: t('u8') }), { ok: 1, err: 2 }],
    ];
    for (const [type, json] of cases)
      assert.equal(ajv.compile(jsonSchemaOf(type))(json), false, JSON.stringify(json));
  });

  it('gives non-finite floats back as strings, which the output schema allows', () => {
    assert.equal(toJson(t('f64'), Number.NaN), 'NaN');
    assert.equal(toJson(t('f32'), -Infinity), '-Infinity');
    assert.ok(ajv.compile(jsonSchemaOf(t('f64'), 'output'))('Infinity'));
    assert.equal(ajv.compile(jsonSchemaOf(t('f64'), 'input'))('Infinity'), false);
  });

  it('gives 64-bit integers as numbers while exact, as strings past 2^53', () => {
    assert.equal(toJson(t('u64'), 2n ** 53n - 1n), 2 ** 53 - 1);
    assert.equal(toJson(t('u64'), 2n ** 53n), '9007199254740992');
    assert.equal(toJson(t('s64'), -(2n ** 63n)), '-9223372036854775808');
  });

  it('refuses a component value that does not fit the declared type', () => {
    assert.throws(() => toJson(t('u8'), 300), /result: expected an integer from 0 to 255/);
    assert.throws(() => toJson(t('string'), 5), /result: expected a string/);
    assert.throws(() => toJson(shape, { tag: 'oval' }), /result\.tag: expected one of/);
  });

  it('builds tool schemas and arguments from a function signature', () => {
    const fn: WitFunction = {
      name: 'describe',
      params: [
        { name: 'p', type: point },
        { name: 'note', type: t('option', { type: t('string') }) },
      ],
      result: t('string'),
    };
    assert.deepEqual(parametersSchema(fn).required, ['p']);
    assert.deepEqual(resultSchema(fn), {
      type: 'object',
      properties: { result: { type: 'string' } },
      required: ['result'],
      additionalProperties: false,
    });
    assert.equal(resultSchema({ name: 'ping', params: [] }), undefined);
    assert.deepEqual(argumentsFromJson(fn, { p: { x: 1, 'y-pos': 2 } }), [
      { x: 1, yPos: 2, label: undefined },
      undefined,
    ]);
    assert.throws(() => argumentsFromJson(fn, {}), /^ValueError: arguments\.p: missing \(point\)$/);
    assert.throws(
      () => argumentsFromJson(fn, { p: { x: 1, 'y-pos': 2 }, q: 1 }),
      /arguments: unexpected field "q"/,
    );
  });

  it('names things as the bindings do', () => {
    assert.equal(camelCase('read-file'), 'readFile');
    assert.equal(camelCase('get-URL-now'), 'getUrlNow');
    assert.equal(camelCase('x'), 'x');
  });
});
