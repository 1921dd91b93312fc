/**
 * orderCommands as it would start with the OpenTelemetry SDK (`npm run bench -- tracing`): a tracer
 * provider whose batch processor exports OTLP over HTTP to a collector in the execution environment
 * (the ADOT Lambda layer's, on localhost:4318), registered at module init as the SDK's Lambda setup does.
 */
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] }),
);

export { handler } from '../../functions/orders/commands.js';
