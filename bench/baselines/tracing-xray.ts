/**
 * orderCommands as it would start with AWS X-Ray through Powertools Tracer (`npm run bench -- tracing`):
 * the tracer built at module init, as Powertools documents, over aws-xray-sdk-core.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer({ serviceName: 'orderCommands' });

export { handler } from '../../functions/orders/commands.js';
