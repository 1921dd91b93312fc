/**
 * zod/mini (what the functions bundle: about half of zod's size and init time) loads no messages;
 * the full zod loads English on import. Reasons go to dead-letter headers and HTTP 400s: imported
 * where issues become text — `describeIssues` (lib/contracts/issues.ts) and the HTTP queries.
 * https://zod.dev/packages/mini
 */

import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
