import type { Plugin } from 'esbuild';

/** The esbuild plugins every function is bundled with (deploy/esbuild-plugins.cjs). */
declare const plugins: Plugin[];
export = plugins;
