'use strict';
/**
 * The esbuild plugins every function is bundled with (serverless.yml `custom.esbuild.plugins`, loaded by
 * serverless-esbuild with require(); the benchmarks and tests load them through the same setting).
 */
const { require: requireTypeScript } = require('tsx/cjs/api');

const { kafkajsProducerOnly } = requireTypeScript('./kafkajs-producer-only.ts', __filename);

module.exports = [kafkajsProducerOnly()];
