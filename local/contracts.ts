import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
/**
 * `npm run contracts:check` compares every contract with its published JSON Schema snapshot under its
 * topic's compatibility policy and fails on a breaking change; `npm run contracts:publish` writes the
 * snapshots deliberately (commit them: they are what consumers rely on).
 */
import {
  type ContractRegistry,
  compatibilityProblems,
  dataSchema,
  type JsonSchema,
  type MessageContract,
} from '@msk-patterns/pipeline';
import { contracts as projectContracts } from '../lib/contracts/index.js';
import type { SourceTopic } from '../lib/contracts/topics.js';
import { TOPIC_COMPATIBILITY } from '../lib/contracts/topics.js';

export const PUBLISHED_DIRECTORY = fileURLToPath(new URL('../lib/contracts/published/', import.meta.url));

const fileOf = (contract: MessageContract) => `${contract.topic}/${contract.type}.v${contract.version}.json`;
const nameOf = (contract: MessageContract) => `${contract.topic} ${contract.type} v${contract.version}`;

export interface CheckResult {
  problems: string[];
  /** contracts with no snapshot yet: new, compatible with nothing published */
  unpublished: string[];
}

/** Compare the registry with the published snapshots in `directory`. */
export function checkContracts(registry: ContractRegistry, directory = PUBLISHED_DIRECTORY): CheckResult {
  const problems: string[] = [];
  const unpublished: string[] = [];
  const current = new Set<string>();
  for (const contract of registry.contracts) {
    const file = join(directory, fileOf(contract));
    current.add(fileOf(contract));
    if (!existsSync(file)) {
      unpublished.push(nameOf(contract));
      continue;
    }
    const policy = TOPIC_COMPATIBILITY[contract.topic as SourceTopic];
    const published = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
    for (const problem of compatibilityProblems(published, dataSchema(contract), policy)) {
      problems.push(`${nameOf(contract)} (${policy}): ${problem}`);
    }
  }
  if (existsSync(directory)) {
    for (const topic of readdirSync(directory)) {
      for (const file of readdirSync(join(directory, topic))) {
        if (!current.has(`${topic}/${file}`)) {
          problems.push(
            `${topic} ${file.replace(/\.json$/, '').replace('.v', ' v')}: published, but gone from the code — records of it on the topic can no longer be read`,
          );
        }
      }
    }
  }
  return { problems, unpublished };
}

/** Write every contract's schema as its published snapshot. */
export function publishContracts(registry: ContractRegistry, directory = PUBLISHED_DIRECTORY): string[] {
  const written: string[] = [];
  for (const contract of registry.contracts) {
    const file = join(directory, fileOf(contract));
    mkdirSync(join(directory, contract.topic), { recursive: true });
    writeFileSync(file, `${JSON.stringify(dataSchema(contract), null, 2)}\n`);
    written.push(fileOf(contract));
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'publish') {
    for (const file of publishContracts(projectContracts)) console.log(`published ${file}`);
  } else if (command === 'check') {
    const { problems, unpublished } = checkContracts(projectContracts);
    for (const name of unpublished) console.log(`new (not published yet): ${name}`);
    for (const problem of problems) console.error(`BREAKING ${problem}`);
    console.log(
      problems.length === 0
        ? 'contracts compatible with the published snapshots'
        : `${problems.length} breaking changes`,
    );
    process.exit(problems.length === 0 ? 0 : 1);
  } else {
    console.error('usage: tsx local/contracts.ts check|publish');
    process.exit(2);
  }
}
