/**
 * zod/mini (what the functions bundle: about half of zod's size and init time) loads no messages;
 * the full zod loads English on import. Reasons go to dead-letter headers and HTTP 400s, so every
 * module that reports zod issues imports this first.
 * https://zod.dev/packages/mini
 */

import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
