import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MskEvent } from '@msk-patterns/pipeline';
import { EmulatorError } from '../errors.js';
import { guardChild, stopChild } from '../infra/process.js';
import { FunctionProcessMessage, type FunctionProcessRequest } from './function-process-protocol.js';
import type { MskHandler } from './mapping-runner.js';

/** The function process's script: built (dist), or its source when this module runs from it (its tests). */
const CHILD_SCRIPT =
  ['./function-process.js', './function-process.ts']
    .map((script) => fileURLToPath(new URL(script, import.meta.url)))
    .find((script) => existsSync(script)) ?? fileURLToPath(new URL('./function-process.js', import.meta.url));
/** tsx's loader, so that a process can import a TypeScript handler. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** How the processes of one function are started. */
export interface FunctionProcessOptions {
  /** the function's `handler` setting */
  handler: string;
  /** its key under `functions:` */
  functionKey: string;
  /**
   * The environment of a new process, read when it starts.
   * @param functionKey - the function the process runs (one endpoint per function lets a proxy tell them apart)
   */
  env: (functionKey: string) => NodeJS.ProcessEnv;
  /** a fault a process reported (the chaos run counts them) */
  onFault: (fault: string) => void;
  /**
   * Share of successful invocations whose process is killed once it answered (the chaos run).
   * @default 0
   */
  killAfterResponseRate?: number | undefined;
  /**
   * At most this many processes (a reserved concurrency): on 2 cores, more only thrash.
   * @default 2
   */
  maxProcesses?: number | undefined;
  /** a module (path or URL) whose default export builds the `InvocationHooks` of each process */
  hooks?: string | undefined;
  /**
   * What the processes write (stdout and stderr: the function's logs); without it they write to ours.
   * @param chunk - bytes as written
   */
  output?: ((chunk: Buffer) => void) | undefined;
  /**
   * The directory of serverless.yml: each process runs there.
   * @default process.cwd()
   */
  serviceDirectory?: string | undefined;
}

/**
 * Lambda's answer when a function's runtime process dies during an invocation.
 * @example
 * ```ts
 * // the function's process exits during an invocation: the invocation fails as on Lambda
 * await host.invoke(event, 30); // throws RuntimeExitError (name 'Runtime.ExitError'); the mapping retries the batch
 * ```
 */
export class RuntimeExitError extends EmulatorError {
  override readonly name = 'Runtime.ExitError';
}

/**
 * Lambda's answer when an invocation outlives the function's timeout.
 * @example
 * ```ts
 * await host.invoke(event, 3); // a handler still running after 3 s: TaskTimedOutError, and its process is killed
 * ```
 */
export class TaskTimedOutError extends EmulatorError {
  override readonly name = 'TaskTimedOutError';
}

/**
 * The chaos run's poller failure: the function answered, then the poller died before committing the
 * offsets. Not a failed invocation: the batch is delivered again as a fresh delivery.
 * @example
 * ```ts
 * // the function process is killed after its response, before the offsets are committed (chaos):
 * // UncommittedResponseError, and the batch is delivered again
 * ```
 */
export class UncommittedResponseError extends EmulatorError {
  override readonly name = 'UncommittedResponseError';
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** One function process, serving one invocation at a time (as one Lambda execution environment). */
class FunctionProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  #pending: Pending | undefined;
  #nextId = 0;
  exited = false;

  constructor(options: FunctionProcessOptions) {
    const { handler, functionKey, onFault, hooks } = options;
    this.child = guardChild(
      spawn(process.execPath, ['--import', TSX_LOADER, CHILD_SCRIPT, handler, ...(hooks ? [hooks] : [])], {
        cwd: options.serviceDirectory ?? process.cwd(),
        env: { ...options.env(functionKey), FUNCTION_KEY: functionKey },
        stdio: ['ignore', options.output ? 'pipe' : 'inherit', options.output ? 'pipe' : 'inherit', 'ipc'],
      }),
    );
    if (options.output) {
      this.child.stdout?.on('data', options.output);
      this.child.stderr?.on('data', options.output);
    }
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.on('message', (raw: unknown) => {
        const message = FunctionProcessMessage.safeParse(raw);
        if (!message.success) return;
        const data = message.data;
        if ('ready' in data) resolve();
        else if ('fault' in data) onFault(data.fault);
        else {
          const pending = this.#pending;
          this.#pending = undefined;
          if ('error' in data)
            pending?.reject(Object.assign(new Error(data.error.message), { name: data.error.name }));
          else pending?.resolve(data.result);
        }
      });
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        const error = new RuntimeExitError(
          `Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
        );
        reject(error);
        this.#pending?.reject(error);
        this.#pending = undefined;
      });
    });
    this.ready.catch(() => {});
  }

  /**
   * One invocation, ended at its timeout as Lambda ends it: the process is killed (Lambda resets the
   * execution environment of an invocation that timed out), so a handler that never answers cannot
   * hold its process, and with it a place of the function's concurrency, forever.
   */
  async invoke(event: MskEvent, timeoutSeconds: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Gone from this moment: the host must not hand it another invocation while it dies.
        this.exited = true;
        this.#pending = undefined;
        this.child.kill('SIGKILL');
        reject(new TaskTimedOutError(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`));
      }, timeoutSeconds * 1000);
    });
    timedOut.catch(() => {});
    try {
      return await Promise.race([this.#answer(event, timeoutSeconds), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #answer(event: MskEvent, timeoutSeconds: number): Promise<unknown> {
    await this.ready;
    if (this.exited) throw new RuntimeExitError('Runtime exited before the invocation');
    const request: FunctionProcessRequest = { id: this.#nextId++, timeoutSeconds, event };
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.child.send(request);
    });
  }
}

/**
 * Runs a mapping's function in processes of its own (function-process.ts), one
 * invocation per process at a time, as Lambda runs concurrent invocations in separate execution
 * environments: a process is started when none is idle, reused when its invocation ends, and
 * replaced when it died. An invocation whose process dies fails with Runtime.ExitError, as on Lambda,
 * and the mapping retries its batch.
 * @example
 * ```ts
 * const host = new FunctionProcessHost({
 *   handler: 'functions/payments/handler.handler',
 *   functionKey: 'payments',
 *   env: () => ({ ...process.env, ...functionEnvironment }),
 *   onFault: (fault) => console.log(fault),
 *   maxProcesses: 2,
 * });
 * const runner = new MappingRunner(mapping, { brokers, handler: host.asHandler(), log: console.log });
 * // …
 * await host.stop();
 * ```
 */
export class FunctionProcessHost {
  readonly #idle: FunctionProcess[] = [];
  readonly #all = new Set<FunctionProcess>();
  /** invocations waiting for a process when all `maxProcesses` are busy (a reserved concurrency) */
  readonly #waiting: Array<() => void> = [];
  #busy = 0;
  #stopped = false;

  readonly functionKey: string;
  readonly #options: FunctionProcessOptions;
  readonly #killAfterResponseRate: number;
  readonly #maxProcesses: number;

  /** @param options - the function and how its processes start */
  constructor(options: FunctionProcessOptions) {
    this.#options = options;
    this.functionKey = options.functionKey;
    this.#killAfterResponseRate = options.killAfterResponseRate ?? 0;
    this.#maxProcesses = options.maxProcesses ?? 2;
  }

  /** A handler for the mapping runner that invokes a process of this function. */
  asHandler(): MskHandler {
    return (event, context) => this.invoke(event, context.getRemainingTimeInMillis() / 1000);
  }

  /**
   * @param event - the MSK event
   * @param timeoutSeconds - what the invocation has left
   */
  async invoke(event: MskEvent, timeoutSeconds: number): Promise<unknown> {
    if (this.#stopped) throw new RuntimeExitError('the function processes were stopped');
    while (this.#busy >= this.#maxProcesses)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy++;
    const worker = this.#idle.pop() ?? this.#spawn();
    try {
      const result = await worker.invoke(event, timeoutSeconds);
      if (this.#killAfterResponseRate > 0 && Math.random() < this.#killAfterResponseRate) {
        // It answered; the poller dies before committing, so the batch comes again (RuntimeExitError
        // makes the mapping retry it, as a lost commit would). The process goes with it.
        this.#options.onFault('kill:after-response');
        worker.child.kill('SIGKILL');
        throw new UncommittedResponseError('killed after its response, before the offsets were committed');
      }
      return result;
    } finally {
      if (!worker.exited && worker.child.signalCode === null) this.#idle.push(worker);
      this.#busy--;
      this.#waiting.shift()?.();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#all].map((worker) => stopChild(worker.child)));
  }

  #spawn(): FunctionProcess {
    const worker = new FunctionProcess(this.#options);
    this.#all.add(worker);
    worker.child.once('exit', () => {
      this.#all.delete(worker);
      const idle = this.#idle.indexOf(worker);
      if (idle >= 0) this.#idle.splice(idle, 1);
    });
    return worker;
  }
}
