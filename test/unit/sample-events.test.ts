import { readFileSync } from 'node:fs';
import { loadServerlessConfig } from '@msk-patterns/emulator';
import { decodeMskEvent } from '@msk-patterns/pipeline';
import { describe, expect, it } from 'vitest';
import { EVENTS_DIRECTORY, sampleEvents } from '../../local/events.js';

const events = await sampleEvents();

describe('sample events in events/', () => {
  it('exist for every function of serverless.yml, and a malformed variant for every MSK function', () => {
    for (const [name, fn] of Object.entries(loadServerlessConfig().functions)) {
      expect(Object.keys(events)).toContain(name);
      if ((fn.events ?? []).some((event) => 'msk' in event))
        expect(Object.keys(events)).toContain(`${name}-malformed`);
    }
  });

  it.each(Object.entries(events))(
    'events/%s.json is what `npm run generate` writes (never hand-edited)',
    (name, event) => {
      const committed = JSON.parse(readFileSync(`${EVENTS_DIRECTORY}${name}.json`, 'utf8'));
      expect(committed).toEqual(JSON.parse(JSON.stringify(event)));
      if (committed.eventSource) {
        const decoded = decodeMskEvent(committed);
        expect(decoded.records.length).toBeGreaterThan(0);
        expect(decoded.malformed).toEqual([]);
      } else if (committed.source === 'aws.events') {
        expect(committed).toMatchObject({ 'detail-type': 'Scheduled Event', detail: {} });
      } else {
        expect(committed).toMatchObject({ version: '2.0', requestContext: { http: { method: 'GET' } } });
      }
    },
  );
});
