import { defineContract } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { entityId } from './fields.js';

export const deadlineExpiredV1 = defineContract({
  topic: 'sagas.deadlines',
  type: 'DeadlineExpired',
  version: 1,
  description:
    'A waiting saga was past its deadline when the sweep saw it at this version; a saga that moved on since ignores it.',
  data: z.object({
    orderId: entityId,
    /** the saga version whose deadline expired */
    sagaVersion: z.int().check(z.positive()),
    /** epoch milliseconds */
    deadlineAt: z.int(),
  }),
});

export const SAGA_DEADLINES = [deadlineExpiredV1] as const;
