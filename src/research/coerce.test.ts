import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coerceScalar, parseBoolean, parseNumber } from './coerce.js';

test('parseNumber reads the one number in a text, with thousands separators and currency', () => {
  assert.equal(parseNumber('1,299.00'), 1299);
  assert.equal(parseNumber('$10/mo'), 10);
  assert.equal(parseNumber('-4.5 °C'), -4.5);
  assert.equal(parseNumber('Up to 12 users'), 12);
  assert.equal(parseNumber('4.5 of 5'), null, 'two numbers: ambiguous');
  assert.equal(parseNumber('2026-03-02'), null, 'a date is no number');
  assert.equal(parseNumber('Call us'), null);
  assert.equal(parseNumber('$50M Series B'), 50_000_000);
  assert.equal(parseNumber('1.2k stars'), 1200);
  assert.equal(parseNumber('3 billion users'), 3_000_000_000);
  assert.equal(parseNumber('5m'), null, 'metres or millions: ambiguous');
  assert.equal(parseNumber('10 mo'), 10);
  assert.equal(parseNumber('12 Monkeys'), 12);
});

test('parseBoolean knows yes/no words and schema.org availability', () => {
  assert.equal(parseBoolean('Yes'), true);
  assert.equal(parseBoolean('✓'), true);
  assert.equal(parseBoolean('https://schema.org/OutOfStock'), false);
  assert.equal(parseBoolean('maybe'), null);
});

test('coerceScalar respects integer, enum and string rules', () => {
  assert.equal(coerceScalar('12.5', 'integer', {}), null);
  assert.equal(coerceScalar('12.0', 'integer', {}), 12);
  assert.equal(coerceScalar('  In   Stock ', 'string', {}), 'In Stock');
  assert.equal(coerceScalar('in stock', 'string', { enum: ['In Stock', 'Sold out'] }), 'In Stock');
  assert.equal(coerceScalar('backorder', 'string', { enum: ['In Stock', 'Sold out'] }), null);
  assert.equal(coerceScalar({ '@type': 'Person', name: 'Ana' }, 'string', {}), 'Ana');
  assert.equal(coerceScalar('   ', 'string', {}), null);
});
