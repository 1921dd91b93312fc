import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { ASYNCAPI_FILE, asyncApiYaml } from '../../local/events.js';

describe('the generated AsyncAPI document', () => {
  it('is what `npm run generate` writes (never hand-edited)', () => {
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(asyncApiYaml());
  });

  it('parses cleanly with the official @asyncapi/parser', async () => {
    // Act
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_FILE, 'utf8'));

    // Assess: no error diagnostics (severity 0), and every contract is a message of its channel
    expect(
      diagnostics.filter((diagnostic) => diagnostic.severity === 0).map((diagnostic) => diagnostic.message),
    ).toEqual([]);
    expect(
      document
        ?.channels()
        .get('orders.events')
        ?.messages()
        .all()
        .map((message) => message.id())
        .sort(),
    ).toEqual([
      'OrderCancelled.v1',
      'OrderConfirmed.v1',
      'OrderPlaced.v1',
      'OrderPlaced.v2',
      'OrderRejected.v1',
    ]);
  });
});
