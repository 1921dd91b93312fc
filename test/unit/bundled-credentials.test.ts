import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { bundleOptions } from '../../local/bundle-options.js';

// Outside any node_modules, as a function sits in /var/task: what the bundle leaves out resolves only
// through NODE_PATH, as Lambda's runtime sets it to its own SDK (here: the project's node_modules).
const folder = mkdtempSync(join(tmpdir(), 'bundled-credentials-'));
const outfile = join(folder, 'credentials.cjs');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const Resolved = z.object({ accessKeyId: z.string(), providersLoaded: z.array(z.string()) });

/** The DynamoDB client's credentials in a fresh process with only `env`, and which providers it loaded. */
async function resolveCredentials(env: NodeJS.ProcessEnv) {
  const { stdout } = await promisify(execFile)(process.execPath, [outfile], {
    env: {
      PATH: process.env.PATH,
      HOME: folder,
      NODE_PATH: resolve('node_modules'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  return Resolved.parse(JSON.parse(stdout));
}

describe('AWS credentials in the packaged bundle (serverless.yml custom.esbuild.exclude)', () => {
  beforeAll(async () => {
    const entry = join(folder, 'entry.ts');
    writeFileSync(
      entry,
      `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
new DynamoDBClient({ region: 'eu-west-1' }).config.credentials().then(({ accessKeyId }) => {
  const providersLoaded = Object.keys(require.cache).filter((file) => /credential-provider-(?!node|env)/.test(file));
  process.stdout.write(JSON.stringify({ accessKeyId, providersLoaded }));
});
`,
    );
    await build({
      ...bundleOptions(),
      entryPoints: [entry],
      outfile,
      nodePaths: [resolve('node_modules')],
      logLevel: 'error',
    });
  });

  it("come from the environment, as Lambda gives the execution role's, without loading the providers left out", async () => {
    // Act
    const resolved = await resolveCredentials({
      AWS_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });

    // Assess
    expect(resolved).toEqual({ accessKeyId: 'AKIAFROMENVIRONMENT', providersLoaded: [] });
  });

  it('still come from a shared config profile: the provider left out loads through NODE_PATH', async () => {
    // Prepare
    const credentialsFile = join(folder, 'credentials');
    writeFileSync(
      credentialsFile,
      '[bundled]\naws_access_key_id = AKIAFROMPROFILE\naws_secret_access_key = secret\n',
    );

    // Act
    const resolved = await resolveCredentials({
      AWS_PROFILE: 'bundled',
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: join(folder, 'no-config'),
    });

    // Assess
    expect(resolved.accessKeyId).toBe('AKIAFROMPROFILE');
    expect(resolved.providersLoaded).toEqual([
      expect.stringMatching(/node_modules[\\/]@aws-sdk[\\/]credential-provider-ini[\\/]/),
    ]);
  });
});
