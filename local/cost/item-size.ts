import * as z from 'zod';

/**
 * An attribute value as DynamoDB's JSON protocol carries it (`{ "S": "…" }`, `{ "M": { … } }`, …), or as
 * the SDK's `marshall` builds it (binaries as bytes rather than base64).
 */
export type WireValue = object;
export type WireItem = Readonly<Record<string, WireValue>>;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * A number's size: its significant digits in pairs aligned on the decimal point (DynamoDB stores
 * base-100 digits), zero pairs at either end dropped, plus one byte — 12345.678 is 01|23|45 . 67|80:
 * 6 bytes, as DynamoDB Local bills it (test/integration/metering-proxy.test.ts).
 */
function numberSize(text: string): number {
  const plain = text.replace(/^[-+]/, '');
  if (/e/i.test(plain)) {
    const digits = plain
      .replace(/e.*$/i, '')
      .replace('.', '')
      .replace(/^0+|0+$/g, '');
    return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
  }
  const [whole = '', fraction = ''] = plain.split('.');
  const integer = whole.replace(/^0+/, '');
  const paddedInteger = integer.length % 2 === 1 ? `0${integer}` : integer;
  const paddedFraction = fraction.length % 2 === 1 ? `${fraction}0` : fraction;
  const pairs = `${paddedInteger}${paddedFraction}`.match(/../g) ?? [];
  while (pairs[0] === '00') pairs.shift();
  while (pairs.at(-1) === '00') pairs.pop();
  return Math.max(pairs.length, 1) + 1;
}

const Values = z.array(z.string());

const binarySize = (content: unknown) =>
  content instanceof Uint8Array ? content.length : Buffer.from(String(content), 'base64').length;

/**
 * The size DynamoDB bills an attribute value at: strings and binaries their bytes, numbers about one
 * byte per two digits plus one, booleans and nulls one byte, lists and maps 3 bytes plus their contents
 * plus one byte per element (a map's keys counted as names)
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
 */
export function valueSize(value: WireValue): number {
  const [type, content] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return utf8(String(content));
    case 'N':
      return numberSize(String(content));
    case 'B':
      return binarySize(content);
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return Values.parse(content).reduce((size, text) => size + utf8(text), 0);
    case 'NS':
      return Values.parse(content).reduce((size, text) => size + numberSize(text), 0);
    case 'BS':
      return z
        .array(z.unknown())
        .parse(content)
        .reduce<number>((size, bytes) => size + binarySize(bytes), 0);
    case 'L': {
      const elements = z.array(z.looseObject({})).parse(content);
      return 3 + elements.reduce((size, element) => size + valueSize(element) + 1, 0);
    }
    case 'M': {
      const entries = Object.entries(z.record(z.string(), z.looseObject({})).parse(content));
      return 3 + entries.reduce((size, [name, element]) => size + utf8(name) + valueSize(element) + 1, 0);
    }
    default:
      throw new Error(`unknown DynamoDB attribute type ${type}`);
  }
}

/** An item's size: each attribute's name bytes plus its value's size. */
export function itemSize(item: WireItem): number {
  return Object.entries(item).reduce((size, [name, value]) => size + utf8(name) + valueSize(value), 0);
}

/** Write units for an item of `bytes` (1 KB each, rounded up; at least 1). */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
