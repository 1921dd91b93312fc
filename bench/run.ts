/** `npm run bench -- <name>`: runs one benchmark of bench/, printing its figures. */
const BENCHMARKS = {
  pipeline: () => import('./pipeline.js'),
  eventstore: () => import('./eventstore.js'),
  coldstart: () => import('./coldstart.js'),
  throughput: () => import('./throughput.js'),
  tracing: () => import('./tracing.js'),
} as const;

const name = process.argv[2] as keyof typeof BENCHMARKS | undefined;
if (!name || !(name in BENCHMARKS)) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}>`);
  process.exit(2);
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
await (await BENCHMARKS[name]()).main();
process.exit(0);
