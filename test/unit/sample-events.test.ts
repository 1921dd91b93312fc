import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMskEvent } from '../../lib/kafka/codec.js';
import { EVENTS_DIRECTORY, sampleEvents } from '../../local/events.js';

describe('sample events in events/', () => {
  it.each(Object.entries(sampleEvents()))(
    'events/%s.json is what `npm run generate` writes (never hand-edited)',
    (name, event) => {
      const committed = JSON.parse(readFileSync(`${EVENTS_DIRECTORY}${name}.json`, 'utf8'));
      expect(committed).toEqual(JSON.parse(JSON.stringify(event)));
      expect(decodeMskEvent(committed).records.length).toBeGreaterThan(0);
    },
  );
});
