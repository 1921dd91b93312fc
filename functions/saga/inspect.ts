import { HttpError, httpQuery } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { sagaStore } from './store.js';

/** GET /sagas/{orderId}: the saga's state, why it is there, and every transition that led there. */
export const getSaga = httpQuery(
  [TABLE_VARIABLES.sagas],
  z.object({
    orderId: z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - only')),
  }),
  async ({ orderId }, service) => {
    const store = sagaStore(service);
    const [saga, timeline] = await Promise.all([store.get(orderId), store.timeline(orderId)]);
    if (!saga) throw new HttpError(404, `no saga for order ${orderId}`);
    return { ...saga, timeline };
  },
);
