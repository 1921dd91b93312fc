import {
  COMPATIBILITY,
  ContractRegistry,
  compatibilityProblems,
  type MessageContract,
  readProblems,
} from '@msk-patterns/pipeline';
import { describe, expect, it } from 'vitest';
import { contracts } from '../../lib/contracts/index.js';
import { confirmOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';
import { checkContracts } from '../../local/contracts.js';
import {
  placeOrderV1WithOptionalNote,
  placeOrderV1WithRequiredChannel,
} from '../fixtures/contracts/breaking.js';

const closed = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

describe('readProblems (writers closed, readers ignore unknown fields)', () => {
  it('lets a reader drop or ignore fields, and accept integers as numbers', () => {
    const writer = closed({ a: { type: 'integer' }, b: { type: 'string' } }, ['a', 'b']);
    expect(readProblems(writer, closed({ a: { type: 'number' } }, ['a']))).toEqual([]);
  });

  it('names a field the reader requires and the writer may omit', () => {
    expect(
      readProblems(closed({ a: { type: 'string' } }, []), closed({ a: { type: 'string' } }, ['a'])),
    ).toEqual(['data.a: required by the reader, optional in what the writer sends']);
  });

  it('names tighter constraints, other types and narrower enums', () => {
    const writer = closed(
      { s: { type: 'string' }, n: { type: 'string' }, e: { type: 'string', enum: ['x', 'y'] } },
      ['s', 'n', 'e'],
    );
    const reader = closed(
      { s: { type: 'string', maxLength: 3 }, n: { type: 'integer' }, e: { type: 'string', enum: ['x'] } },
      ['s', 'n', 'e'],
    );
    expect(readProblems(writer, reader)).toEqual([
      'data.s: the reader requires maxLength 3, the writer allows no limit',
      'data.n: written as string, read as integer',
      'data.e: the writer may send ["y"], not among ["x"]',
    ]);
  });

  it('treats an optional field added to an OPEN writer as a risk: old data may carry it with any value', () => {
    const open = { type: 'object', properties: {}, required: [] };
    expect(readProblems(open, closed({ note: { type: 'string' } }, []))).toEqual([
      "data.note: the writer's schema is open, so data may carry note with a value the reader rejects",
    ]);
    expect(readProblems(closed({}, []), closed({ note: { type: 'string' } }, []))).toEqual([]);
  });
});

/** The project's contracts with PlaceOrder v1 replaced by a changed version of it. */
function withPlaceOrder(changed: MessageContract): ContractRegistry {
  return new ContractRegistry([
    changed,
    ...contracts.contracts.filter((contract) => contract !== placeOrderV1),
  ]);
}

describe('contracts:check', () => {
  it('passes on the contracts of this commit against the published snapshots', () => {
    const result = checkContracts(contracts);
    expect(result.problems).toEqual([]);
    expect(result.unpublished).toEqual([]);
  });

  it('fails on the breaking fixture and says what breaks, for whom', () => {
    const changed = withPlaceOrder(placeOrderV1WithRequiredChannel);
    expect(checkContracts(changed).problems).toEqual([
      'orders.commands PlaceOrder v1 (BACKWARD): BACKWARD (new reads old) data.salesChannel: required by the reader, absent in what the writer sends',
    ]);
  });

  it('accepts an added optional field (closed writers), and flags a removed published version', () => {
    expect(checkContracts(withPlaceOrder(placeOrderV1WithOptionalNote)).problems).toEqual([]);
    const removed = new ContractRegistry(
      withPlaceOrder(placeOrderV1WithOptionalNote).contracts.filter(
        (contract) => contract !== confirmOrderV1,
      ),
    );
    expect(checkContracts(removed).problems).toEqual([
      'orders.commands ConfirmOrder v1: published, but gone from the code — records of it on the topic can no longer be read',
    ]);
  });

  it('checks both directions under FULL', () => {
    const published = closed({ a: { type: 'string' } }, ['a']);
    const dropped = closed({}, []);
    expect(compatibilityProblems(published, dropped, COMPATIBILITY.full)).toEqual([
      'FORWARD (old reads new) data.a: required by the reader, absent in what the writer sends',
    ]);
    expect(compatibilityProblems(published, dropped, COMPATIBILITY.backward)).toEqual([]);
  });
});
